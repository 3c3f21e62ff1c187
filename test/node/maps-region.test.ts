/**
 * maps:region against a PMTiles archive served over local HTTP with Range support: the extract holds exactly the
 * tiles that touch the box, has a valid header, and was read with range requests only (far less than the file).
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "jsonc-parser";
import { bytesToHeader, Compression, FetchSource, PMTiles, type Source } from "pmtiles";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PmCompression, writePmtiles } from "../../tiles/lib/pmtiles-writer";
import { extractRegion } from "../../tiles/lib/region-extract";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MAX_ZOOM = 7;
// Zurich and around; deliberately not on tile edges.
const BBOX: [number, number, number, number] = [7.3, 46.6, 9.9, 48.1];

let dir: string;
let file: Uint8Array;
let server: Server;
let url: string;
const requests: { range: string | undefined; bytes: number }[] = [];

/**
 * Tile content that says where it is, padded to uneven lengths (~15 MB in all): uneven lengths keep the directory
 * from compressing into the root alone, so the archive has leaf directories like a real planet build.
 */
function content(z: number, x: number, y: number): Uint8Array {
  // Every z7 tile west of x=8 is "ocean": the same bytes, so the source has run-length entries and shared data.
  if (z === MAX_ZOOM && x < 8) return new TextEncoder().encode("ocean");
  let seed = z * 1_000_003 + x * 7919 + y;
  const pad = Array.from({ length: 200 + ((x * 7919 + y * 104729 + z) % 1000) }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return "0123456789abcdef"[seed % 16];
  }).join("");
  return new TextEncoder().encode(`${z}/${x}/${y} ${pad}`);
}

const allTiles = () =>
  Array.from({ length: MAX_ZOOM + 1 }, (_, z) =>
    Array.from({ length: 4 ** z }, (_, i) => ({ z, x: i % 2 ** z, y: Math.floor(i / 2 ** z) })),
  ).flat();

/** Independent of the extractor: a tile touches the box when their lon/lat extents overlap (half-open tiles). */
function touches(z: number, x: number, y: number): boolean {
  const n = 2 ** z;
  const lon = (tx: number) => (tx / n) * 360 - 180;
  const lat = (ty: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * ty) / n))) * 180) / Math.PI;
  const [w, s, e, nn] = BBOX;
  return lon(x) <= e && lon(x + 1) > w && lat(y + 1) <= nn && lat(y) > s;
}

function memorySource(bytes: Uint8Array): Source {
  return {
    getKey: () => "memory",
    getBytes: async (offset, length) => ({ data: bytes.slice(offset, offset + length).buffer }),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "maps-region-"));
  file = await writePmtiles(
    allTiles().map((t) => ({ ...t, data: content(t.z, t.x, t.y) })),
    // Uncompressed tiles keep the build fast; the extract must keep the source's compression either way.
    { metadata: { name: "test planet", attribution: "© test" }, tileCompression: PmCompression.None },
  );
  writeFileSync(path.join(dir, "planet.pmtiles"), file);
  server = createServer((req, res) => {
    const range = req.headers.range;
    const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? "");
    if (!m) {
      requests.push({ range, bytes: file.length });
      res.writeHead(200, { "Content-Length": file.length }).end(file);
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), file.length - 1);
    const body = file.subarray(start, end + 1);
    requests.push({ range, bytes: body.length });
    res
      .writeHead(206, { "Content-Range": `bytes ${start}-${end}/${file.length}`, "Content-Length": body.length })
      .end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/planet.pmtiles`;
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("maps:region", () => {
  it("extracts exactly the tiles touching the box, with range reads only", async () => {
    const sourceHeader = bytesToHeader(file.slice(0, 127).buffer);
    expect(sourceHeader.leafDirectoryLength).toBeGreaterThan(0); // the walk goes through leaf directories
    expect(sourceHeader.numTileEntries).toBeLessThan(sourceHeader.numAddressedTiles); // and run-length entries

    requests.length = 0;
    const result = await extractRegion(new FetchSource(url), { bbox: BBOX, maxGap: 16 * 1024 });
    expect(requests.length).toBe(result.requests);
    expect(requests.every((r) => r.range !== undefined)).toBe(true);
    const served = requests.reduce((n, r) => n + r.bytes, 0);
    expect(served).toBe(result.bytesRead);
    expect(served).toBeLessThan(file.length / 10);

    const header = bytesToHeader(result.archive.slice(0, 127).buffer);
    expect(header.specVersion).toBe(3);
    expect([header.minZoom, header.maxZoom]).toEqual([0, MAX_ZOOM]);
    expect([header.minLon, header.minLat, header.maxLon, header.maxLat]).toEqual(BBOX);
    expect(header.tileCompression).toBe(Compression.None);

    const expected = allTiles().filter((t) => touches(t.z, t.x, t.y));
    expect(header.numAddressedTiles).toBe(expected.length);
    expect(result.tiles).toBe(expected.length);
    const out = new PMTiles(memorySource(result.archive));
    for (const t of allTiles()) {
      const tile = await out.getZxy(t.z, t.x, t.y);
      if (touches(t.z, t.x, t.y)) {
        expect(new TextDecoder().decode(tile?.data), `${t.z}/${t.x}/${t.y}`).toBe(
          new TextDecoder().decode(content(t.z, t.x, t.y)),
        );
      } else expect(tile, `${t.z}/${t.x}/${t.y} is outside the box`).toBeUndefined();
    }
    expect(((await out.getMetadata()) as { attribution: string }).attribution).toBe("© test");
  });

  it("the CLI takes a place name from the embedded index, uploads the archive and points MAP_ARCHIVE_KEY at it", async () => {
    const outFile = path.join(dir, "zurich.pmtiles");
    const configFile = path.join(dir, "wrangler.jsonc");
    cpSync(path.join(ROOT, "wrangler.jsonc"), configFile);
    const fakeState = mkdtempSync(path.join(dir, "account-"));
    // Asynchronous: the HTTP server answering the CLI runs in this process.
    const child = spawn(
      path.join(ROOT, "node_modules/.bin/tsx"),
      [
        "tiles/region.ts",
        "Zurich",
        "--radius",
        "30",
        "--maxzoom",
        "5",
        "--source",
        url,
        "--out",
        outFile,
        "--config",
        configFile,
        "--use",
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          PATH: `${path.join(ROOT, "test/node/fake-wrangler")}${path.delimiter}${process.env.PATH}`,
          FAKE_WRANGLER_STATE: fakeState,
        },
      },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const code = await new Promise((r) => child.on("close", r));
    expect(code, output).toBe(0);
    expect(output).toMatch(/Z(u|ü)rich, Switzerland/);
    const archive = readFileSync(outFile);
    const header = bytesToHeader(archive.slice(0, 127).buffer);
    expect(header.maxZoom).toBe(5);
    // A 60 km box around Zurich (47.37 N, 8.54 E).
    expect(header.minLon).toBeCloseTo(8.54 - 30 / (111.32 * Math.cos((47.37 * Math.PI) / 180)), 1);
    expect(header.maxLat).toBeCloseTo(47.37 + 30 / 111.32, 1);
    expect(header.numAddressedTiles).toBeGreaterThan(5);

    const calls = readFileSync(path.join(fakeState, "calls.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    // wrangler runs in the config's directory, where it finds wrangler.jsonc by itself.
    expect(calls.map((c) => c.argv)).toEqual([
      [
        "r2",
        "object",
        "put",
        "edge-connect-media/maps/zurich.pmtiles",
        "--file",
        outFile,
        "--content-type",
        "application/vnd.pmtiles",
        "--remote",
      ],
    ]);
    const account = JSON.parse(readFileSync(path.join(fakeState, "account.json"), "utf8"));
    expect(account.objects["edge-connect-media/maps/zurich.pmtiles"]).toBe(archive.length);
    const configText = readFileSync(configFile, "utf8");
    expect(parse(configText).vars.MAP_ARCHIVE_KEY).toBe("maps/zurich.pmtiles");
    expect(configText).toContain("// R2 key (in MEDIA) of the basemap PMTiles archive");
  });
});
