/**
 * A small PMTiles v3 writer (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md).
 *
 * Why hand-written: the `pmtiles` npm package only reads, `@loaders.gl/pmtiles` only reads, and the maintained
 * writers are the Go `pmtiles` CLI, tippecanoe and planetiler, none of which is an npm package that runs offline
 * here or inside workerd. This module uses only web-platform APIs (CompressionStream, crypto.subtle, DataView),
 * so the tiles build script (Node) and the tests (workerd) share it.
 *
 * Layout written: header (127 B) | root directory | JSON metadata | leaf directories | tile data.
 * Tiles are stored in tile-id (Hilbert) order; identical tile contents are stored once, and consecutive tile ids
 * with the same content become one run-length entry, which is what keeps ocean-only low-zoom archives small.
 */
import { zxyToTileId } from "pmtiles";

/** Values of the header's compression and tile-type bytes (same numbering as `pmtiles`' enums). */
export const PmCompression = { None: 1, Gzip: 2 } as const;
export type PmCompression = (typeof PmCompression)[keyof typeof PmCompression];
export const PmTileType = { Mvt: 1 } as const;
export type PmTileType = (typeof PmTileType)[keyof typeof PmTileType];

export interface TileInput {
  z: number;
  x: number;
  y: number;
  /** Tile bytes as the client will see them once decoded (e.g. an uncompressed MVT), unless `precompressed`. */
  data: Uint8Array;
}

export interface WriteOptions {
  tileType?: PmTileType;
  /** How tile payloads are compressed in the archive (gzip is what readers expect of vector archives). */
  tileCompression?: PmCompression;
  /** [minLon, minLat, maxLon, maxLat]; defaults to the whole web-mercator world. */
  bounds?: [number, number, number, number];
  /** [lon, lat, zoom]; defaults to the middle of the bounds at the minimum zoom. */
  center?: [number, number, number];
  metadata?: Record<string, unknown>;
  /** Tile bytes are already compressed with `tileCompression` (copied from another archive): store them as given. */
  precompressed?: boolean;
}

interface DirEntry {
  tileId: number;
  offset: number;
  length: number;
  runLength: number;
}

const HEADER_BYTES = 127;
/** Readers fetch the first 16 KiB in one request, so header + root directory must fit in it. */
const ROOT_LIMIT = 16_384 - HEADER_BYTES;

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Builds a complete archive in memory. Tiles may come in any order; empty tiles should simply be left out. */
export async function writePmtiles(tiles: TileInput[], opts: WriteOptions = {}): Promise<Uint8Array> {
  if (tiles.length === 0) throw new Error("a PMTiles archive needs at least one tile");
  const tileCompression = opts.tileCompression ?? PmCompression.Gzip;
  const sorted = tiles.map((t) => ({ id: zxyToTileId(t.z, t.x, t.y), ...t })).sort((a, b) => a.id - b.id);

  // Tile data section with content dedupe (hash → offset) and run-length merging of consecutive ids.
  const chunks: Uint8Array[] = [];
  const seen = new Map<string, { offset: number; length: number }>();
  const entries: DirEntry[] = [];
  let dataLength = 0;
  for (const t of sorted) {
    const body = tileCompression === PmCompression.Gzip && !opts.precompressed ? await gzip(t.data) : t.data;
    const hash = await digest(body);
    let stored = seen.get(hash);
    if (!stored) {
      stored = { offset: dataLength, length: body.length };
      seen.set(hash, stored);
      chunks.push(body);
      dataLength += body.length;
    }
    const last = entries[entries.length - 1];
    if (last && last.offset === stored.offset && last.tileId + last.runLength === t.id) {
      last.runLength++;
    } else {
      entries.push({ tileId: t.id, offset: stored.offset, length: stored.length, runLength: 1 });
    }
  }

  const { root, leaves } = await buildDirectories(entries);
  const metadata = await gzip(new TextEncoder().encode(JSON.stringify(opts.metadata ?? {})));

  const zooms = sorted.map((t) => t.z);
  const minZoom = Math.min(...zooms);
  const maxZoom = Math.max(...zooms);
  const bounds = opts.bounds ?? [-180, -85.0511, 180, 85.0511];
  const center = opts.center ?? [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, minZoom];

  const rootOffset = HEADER_BYTES;
  const metadataOffset = rootOffset + root.length;
  const leafOffset = metadataOffset + metadata.length;
  const dataOffset = leafOffset + leaves.length;

  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  header.set(new TextEncoder().encode("PMTiles"), 0);
  header[7] = 3;
  const u64 = (pos: number, v: number) => view.setBigUint64(pos, BigInt(v), true);
  u64(8, rootOffset);
  u64(16, root.length);
  u64(24, metadataOffset);
  u64(32, metadata.length);
  u64(40, leafOffset);
  u64(48, leaves.length);
  u64(56, dataOffset);
  u64(64, dataLength);
  u64(72, sorted.length);
  u64(80, entries.length);
  u64(88, seen.size);
  header[96] = 1; // clustered: tile data is written in tile-id order
  header[97] = PmCompression.Gzip; // directories and metadata
  header[98] = tileCompression;
  header[99] = opts.tileType ?? PmTileType.Mvt;
  header[100] = minZoom;
  header[101] = maxZoom;
  const e7 = (pos: number, deg: number) => view.setInt32(pos, Math.round(deg * 1e7), true);
  e7(102, bounds[0]);
  e7(106, bounds[1]);
  e7(110, bounds[2]);
  e7(114, bounds[3]);
  header[118] = center[2];
  e7(119, center[0]);
  e7(123, center[1]);

  return concat([header, root, metadata, leaves, ...chunks]);
}

/**
 * Root-only when it fits in the first 16 KiB; otherwise leaf directories of growing size, as the reference
 * writers do, with root entries pointing at leaves (runLength 0 marks a leaf pointer).
 */
async function buildDirectories(entries: DirEntry[]): Promise<{ root: Uint8Array; leaves: Uint8Array }> {
  const rootOnly = await serializeDirectory(entries);
  if (rootOnly.length <= ROOT_LIMIT) return { root: rootOnly, leaves: new Uint8Array(0) };
  for (let leafSize = 4096; ; leafSize *= 2) {
    const leafChunks: Uint8Array[] = [];
    const rootEntries: DirEntry[] = [];
    let offset = 0;
    for (let i = 0; i < entries.length; i += leafSize) {
      const leaf = await serializeDirectory(entries.slice(i, i + leafSize));
      rootEntries.push({ tileId: entries[i].tileId, offset, length: leaf.length, runLength: 0 });
      leafChunks.push(leaf);
      offset += leaf.length;
    }
    const root = await serializeDirectory(rootEntries);
    if (root.length <= ROOT_LIMIT) return { root, leaves: concat(leafChunks) };
  }
}

/** Directory encoding: count, then columns of delta tile ids, run lengths, lengths, offsets (0 = contiguous). */
async function serializeDirectory(entries: DirEntry[]): Promise<Uint8Array> {
  const out: number[] = [];
  writeVarint(out, entries.length);
  let lastId = 0;
  for (const e of entries) {
    writeVarint(out, e.tileId - lastId);
    lastId = e.tileId;
  }
  for (const e of entries) writeVarint(out, e.runLength);
  for (const e of entries) writeVarint(out, e.length);
  entries.forEach((e, i) => {
    const prev = entries[i - 1];
    writeVarint(out, i > 0 && e.offset === prev.offset + prev.length ? 0 : e.offset + 1);
  });
  return gzip(new Uint8Array(out));
}

/** Unsigned LEB128; tile ids exceed 2^32 at z16+, so no bitwise operators. */
function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

async function digest(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  let hex = "";
  for (const b of hash) hex += b.toString(16).padStart(2, "0");
  return hex;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
