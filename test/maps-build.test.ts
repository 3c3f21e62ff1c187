/**
 * The offline tiles tooling, run inside workerd (the writer must work there, since maps.test.ts builds its
 * fixture archive with it): PMTiles round trips through the `pmtiles` reader, including leaf directories and
 * run-length dedupe, and the antimeridian cutter.
 */
import { PMTiles, type Source } from "pmtiles";
import { describe, expect, it } from "vitest";
import { planarLines, planarPolygons } from "../tiles/lib/antimeridian";
import { PmCompression, writePmtiles, type TileInput } from "../tiles/lib/pmtiles-writer";

function memorySource(bytes: Uint8Array): Source {
  return {
    getKey: () => "memory",
    getBytes: async (offset, length) => ({ data: bytes.slice(offset, offset + length).buffer }),
  };
}

const text = (buf: ArrayBuffer) => new TextDecoder().decode(buf);

describe("PMTiles writer", () => {
  it("round-trips tiles and metadata through the pmtiles reader", async () => {
    const tiles: TileInput[] = [
      { z: 0, x: 0, y: 0, data: new TextEncoder().encode("root") },
      { z: 3, x: 5, y: 2, data: new TextEncoder().encode("three") },
    ];
    const archive = await writePmtiles(tiles, {
      metadata: { name: "rt" },
      bounds: [-10, -5, 10, 5],
      center: [1, 2, 3],
    });
    const p = new PMTiles(memorySource(archive));
    const h = await p.getHeader();
    expect(h).toMatchObject({
      specVersion: 3,
      minZoom: 0,
      maxZoom: 3,
      numAddressedTiles: 2,
      minLon: -10,
      maxLat: 5,
      centerZoom: 3,
      centerLon: 1,
    });
    expect(await p.getMetadata()).toEqual({ name: "rt" });
    expect(text((await p.getZxy(3, 5, 2))!.data)).toBe("three"); // reader gunzips (tile compression gzip)
    expect(await p.getZxy(3, 5, 3)).toBeUndefined();
  });

  it("stores identical consecutive tiles once, as one run", async () => {
    const same = new TextEncoder().encode("ocean");
    const tiles: TileInput[] = [];
    for (let x = 0; x < 16; x++) for (let y = 0; y < 16; y++) tiles.push({ z: 4, x, y, data: same });
    const p = new PMTiles(memorySource(await writePmtiles(tiles)));
    const h = await p.getHeader();
    expect(h).toMatchObject({ numAddressedTiles: 256, numTileEntries: 1, numTileContents: 1 });
    expect(text((await p.getZxy(4, 15, 9))!.data)).toBe("ocean");
  });

  it("spills into leaf directories when the root would not fit in 16 KiB", async () => {
    const tiles: TileInput[] = [];
    // Distinct contents of pseudo-random length at every other z8 address: no runs, no dedupe, and a lengths
    // column gzip cannot squeeze, so 32k entries cannot fit in the root.
    let seed = 7;
    const pad = () => "#".repeat((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 200);
    for (let x = 0; x < 256; x++)
      for (let y = 0; y < 256; y += 2) tiles.push({ z: 8, x, y, data: new TextEncoder().encode(`${x}/${y}/${pad()}`) });
    const archive = await writePmtiles(tiles, { tileCompression: PmCompression.None });
    const p = new PMTiles(memorySource(archive));
    const h = await p.getHeader();
    expect(h.leafDirectoryLength).toBeGreaterThan(0);
    expect(h.rootDirectoryOffset + h.rootDirectoryLength).toBeLessThanOrEqual(16_384);
    for (const [x, y] of [
      [0, 0],
      [131, 64],
      [255, 254],
    ])
      expect(text((await p.getZxy(8, x, y))!.data)).toMatch(new RegExp(`^${x}/${y}/#*$`));
    expect(await p.getZxy(8, 3, 1)).toBeUndefined();
  });
});

describe("antimeridian cutter", () => {
  const jumps = (ring: number[][]) =>
    ring.filter((p, i) => i > 0 && Math.abs(p[0] - ring[i - 1][0]) > 180 && Math.abs(p[1]) < 85).length;

  it("cuts a ring that crosses ±180 into pieces on either side", () => {
    // An island from 170°E to 170°W, written the way world-atlas does: a jump from +179 to −179 and back.
    const island = [
      [
        [170, 60],
        [179, 60],
        [-179, 60],
        [-170, 60],
        [-170, 65],
        [-179, 65],
        [179, 65],
        [170, 65],
        [170, 60],
      ],
    ];
    const pieces = planarPolygons([island]);
    expect(pieces).toHaveLength(2);
    for (const piece of pieces) {
      expect(jumps(piece[0])).toBe(0);
      for (const [lon] of piece[0]) expect(Math.abs(lon)).toBeLessThanOrEqual(180);
    }
    const lons = pieces.map((p) => p[0].map(([lon]) => lon));
    expect(lons.map((l) => Math.sign(l[0])).sort()).toEqual([-1, 1]);
  });

  it("closes a ring around the south pole through the pole", () => {
    const antarctic = [
      [
        [-180, -70],
        [-90, -72],
        [0, -70],
        [90, -72],
        [179.9, -70],
        [-180, -70],
      ],
    ];
    const [piece] = planarPolygons([antarctic]);
    expect(Math.min(...piece[0].map((p) => p[1]))).toBe(-90);
    expect(jumps(piece[0])).toBe(0);
  });

  it("leaves ordinary polygons alone and splits lines at the jump", () => {
    const square = [
      [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
        [0, 0],
      ],
    ];
    expect(planarPolygons([square])).toEqual([square]);
    expect(
      planarLines([
        [
          [178, 1],
          [179.5, 1],
          [-179.5, 1],
          [-178, 1],
        ],
      ]),
    ).toEqual([
      [
        [178, 1],
        [179.5, 1],
      ],
      [
        [-179.5, 1],
        [-178, 1],
      ],
    ]);
  });
});
