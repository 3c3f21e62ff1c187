/**
 * Cuts a region out of a (remote) PMTiles archive with HTTP range reads, like `pmtiles extract`, in JS: the header and
 * root directory, then only the leaf directories that cover the region, then the region's tile data, with nearby
 * ranges merged into fewer, larger requests. Tile bytes are copied as stored (no recompression) into a new archive
 * written by ./pmtiles-writer.ts. The whole output is held in memory, which suits regions up to a few hundred MB.
 */
import {
  Compression,
  type Entry,
  findTile,
  type Header,
  PMTiles,
  type Source,
  TileType,
  tileIdToZxy,
  zxyToTileId,
} from "pmtiles";
import { type PmCompression, type TileInput, writePmtiles } from "./pmtiles-writer";

/** [west, south, east, north] in degrees; west > east crosses the antimeridian. */
export type Bbox = [number, number, number, number];

export interface ExtractOptions {
  bbox: Bbox;
  minZoom?: number;
  /** Defaults to the archive's max zoom (15 for Protomaps builds). */
  maxZoom?: number;
  /** Byte gap up to which neighbouring tile ranges are fetched in one request (the gap is read and dropped). */
  maxGap?: number;
  /** Largest single data request. */
  maxRequest?: number;
  concurrency?: number;
  onProgress?: (text: string) => void;
}

export interface ExtractResult {
  archive: Uint8Array;
  header: Header;
  tiles: number;
  requests: number;
  bytesRead: number;
}

const MERCATOR_LAT = 85.0511287798;

export function parseBbox(text: string): Bbox {
  const parts = text.split(",").map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n)))
    throw new Error(`--bbox wants W,S,E,N, got "${text}"`);
  const [w, s, e, n] = parts;
  if (w < -180 || e > 180 || w > 180 || e < -180 || s < -90 || n > 90 || s >= n) {
    throw new Error(`--bbox ${text} is not a longitude/latitude box (W,S,E,N with S < N)`);
  }
  return [w, s, e, n];
}

const lonToX = (lon: number, z: number) => Math.min(2 ** z - 1, Math.max(0, Math.floor(((lon + 180) / 360) * 2 ** z)));
function latToY(lat: number, z: number): number {
  const r = (Math.max(-MERCATOR_LAT, Math.min(MERCATOR_LAT, lat)) * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
  return Math.min(2 ** z - 1, Math.max(0, y));
}

/** Tile ids of every tile touching the box at zooms minZoom..maxZoom, ascending (the archive's own order). */
export function tileIdsInBbox(bbox: Bbox, minZoom: number, maxZoom: number): number[] {
  const [w, s, e, n] = bbox;
  const ids: number[] = [];
  for (let z = minZoom; z <= maxZoom; z++) {
    const xRanges =
      w <= e
        ? [[lonToX(w, z), lonToX(e, z)]]
        : [
            [lonToX(w, z), 2 ** z - 1],
            [0, lonToX(e, z)],
          ];
    const [y0, y1] = [latToY(n, z), latToY(s, z)];
    for (const [x0, x1] of xRanges)
      for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) ids.push(zxyToTileId(z, x, y));
  }
  return ids.sort((a, b) => a - b);
}

/** Runs `jobs` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await job(items[next++]);
    }),
  );
}

export async function extractRegion(source: Source, opts: ExtractOptions): Promise<ExtractResult> {
  let requests = 0;
  let bytesRead = 0;
  // Counts every range read, the library's own (header, directories) included.
  const counted: Source = {
    getKey: () => source.getKey(),
    getBytes: async (offset, length, signal, etag) => {
      const res = await source.getBytes(offset, length, signal, etag);
      requests++;
      bytesRead += res.data.byteLength;
      return res;
    },
  };
  const pm = new PMTiles(counted);
  const header = await pm.getHeader();
  if (header.tileType !== TileType.Mvt)
    throw new Error(`the archive holds ${TileType[header.tileType]} tiles; the Worker serves MVT only`);
  if (header.tileCompression !== Compression.Gzip && header.tileCompression !== Compression.None) {
    throw new Error(`tile compression ${Compression[header.tileCompression]} is not supported by the Worker`);
  }
  const minZoom = Math.max(opts.minZoom ?? header.minZoom, header.minZoom);
  const maxZoom = Math.min(opts.maxZoom ?? header.maxZoom, header.maxZoom);
  const wanted = tileIdsInBbox(opts.bbox, minZoom, maxZoom);
  if (wanted.length > 20_000_000) throw new Error(`${wanted.length} tiles: choose a smaller box or a lower --maxzoom`);
  opts.onProgress?.(
    `source: z${header.minZoom}–${header.maxZoom}; ${wanted.length} tile positions in the box at z${minZoom}–${maxZoom}`,
  );

  // Directory walk: the root, then each leaf that some wanted id falls into, down to tile entries.
  const found: { id: number; offset: number; length: number }[] = [];
  let level: { offset: number; length: number; ids: number[] }[] = [
    { offset: header.rootDirectoryOffset, length: header.rootDirectoryLength, ids: wanted },
  ];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > 3) throw new Error("PMTiles directory deeper than 4 levels");
    const nextLevel = new Map<number, { offset: number; length: number; ids: number[] }>();
    await pool(level, opts.concurrency ?? 8, async (dir) => {
      const entries: Entry[] = await pm.cache.getDirectory(counted, dir.offset, dir.length, header);
      for (const id of dir.ids) {
        const e = findTile(entries, id);
        if (!e) continue;
        if (e.runLength > 0) found.push({ id, offset: header.tileDataOffset + e.offset, length: e.length });
        else {
          const offset = header.leafDirectoryOffset + e.offset;
          const leaf = nextLevel.get(offset) ?? { offset, length: e.length, ids: [] };
          leaf.ids.push(id);
          nextLevel.set(offset, leaf);
        }
      }
    });
    level = [...nextLevel.values()];
  }
  opts.onProgress?.(`${found.length} tiles to copy (${requests} directory reads so far)`);
  if (found.length === 0) throw new Error("the archive has no tiles in this box");

  // Data: distinct byte ranges in file order, merged across small gaps into capped requests.
  const distinct = [...new Map(found.map((t) => [t.offset, t])).values()].sort((a, b) => a.offset - b.offset);
  const maxGap = opts.maxGap ?? 256 * 1024;
  const maxRequest = opts.maxRequest ?? 32 * 1024 * 1024;
  const batches: { start: number; end: number }[] = [];
  for (const t of distinct) {
    const last = batches[batches.length - 1];
    const end = t.offset + t.length;
    if (last && t.offset - last.end <= maxGap && end - last.start <= maxRequest) last.end = Math.max(last.end, end);
    else batches.push({ start: t.offset, end });
  }
  const bytesAt = new Map<number, Uint8Array>();
  let done = 0;
  await pool(batches, opts.concurrency ?? 8, async (b) => {
    const res = await counted.getBytes(b.start, b.end - b.start, undefined, header.etag);
    const data = new Uint8Array(res.data);
    for (const t of distinct) {
      if (t.offset >= b.start && t.offset + t.length <= b.end) {
        bytesAt.set(t.offset, data.subarray(t.offset - b.start, t.offset - b.start + t.length));
      }
    }
    done++;
    if (done % 50 === 0 || done === batches.length) {
      opts.onProgress?.(`data: ${done}/${batches.length} requests, ${(bytesRead / 1024 / 1024).toFixed(1)} MiB read`);
    }
  });

  const tiles: TileInput[] = found.map((t) => {
    const [z, x, y] = tileIdToZxy(t.id);
    const data = bytesAt.get(t.offset);
    if (!data) throw new Error(`tile ${z}/${x}/${y} was not fetched`);
    return { z, x, y, data };
  });
  const metadata = (await pm.getMetadata()) as Record<string, unknown>;
  const [w, s, e, n] = opts.bbox;
  const archive = await writePmtiles(tiles, {
    precompressed: true,
    tileCompression: header.tileCompression as PmCompression,
    bounds: [w, Math.max(s, -MERCATOR_LAT), e, Math.min(n, MERCATOR_LAT)],
    center: [
      w <= e ? (w + e) / 2 : header.centerLon,
      (s + n) / 2,
      Math.min(Math.max(header.centerZoom, minZoom), maxZoom),
    ],
    metadata: {
      ...metadata,
      description: `${metadata.description ?? ""} (region ${opts.bbox.join(",")}, z${minZoom}–${maxZoom})`.trim(),
    },
  });
  return { archive, header, tiles: tiles.length, requests, bytesRead };
}
