/**
 * Vector tiles from a PMTiles archive in R2 (docs/cloudflare.md (Maps), "server-side decode"): the browser asks for
 * plain z/x/y URLs and every layer of caching works per tile.
 *
 * Caching, from cheapest to dearest:
 * - module scope: `ResolvedValueCache` keeps the archive header and directories between requests of an isolate,
 *   and a small LRU keeps hot tile bodies (on *.workers.dev the Cache API is a no-op, so this is all there is);
 * - the Cache API, in the route (custom domains only);
 * - R2 range reads otherwise.
 * A replaced archive is noticed by etag: reads carry `onlyIf.etagMatches` (see R2PmtilesSource), and the cached
 * header is re-checked with a HEAD at most once a minute so tile ETags and cache keys do not go stale.
 */
import { Compression, PMTiles, ResolvedValueCache, TileType, type Header } from "pmtiles";
import { ApiError, notFound } from "../../errors";
import { ArchiveMissing, R2PmtilesSource } from "../../lib/r2-pmtiles-source";
import { mapArchiveKey } from "./config";

const HEADER_RECHECK_MS = 60_000;
const TILE_LRU_BYTES = 8 * 1024 * 1024;

/** Tiles arrive gzip-compressed in almost every vector archive; the Worker hands out plain MVT bytes. */
async function decompress(buf: ArrayBuffer, compression: Compression): Promise<ArrayBuffer> {
  if (compression === Compression.None || compression === Compression.Unknown) return buf;
  if (compression === Compression.Gzip) {
    return new Response(new Blob([buf]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
  }
  throw new ApiError(
    500,
    "unsupported_tile_compression",
    `Archive compression ${Compression[compression]} is not supported; rebuild it with gzip`,
  );
}

const directoryCache = new ResolvedValueCache(64, undefined, decompress);
const headerCheckedAt = new Map<string, number>();
const tileLru = new Map<string, ArrayBuffer>();
let tileLruBytes = 0;

export interface Archive {
  pmtiles: PMTiles;
  header: Header;
  /** R2 etag of the archive object, the version every derived ETag and cache key is built from. */
  etag: string;
}

/** Opens the configured archive; 404 `map_archive_missing` when nothing has been uploaded yet. */
export async function openArchive(env: Env): Promise<Archive> {
  const key = mapArchiveKey(env);
  const source = new R2PmtilesSource(env.MEDIA, key);
  const pmtiles = new PMTiles(source, directoryCache, decompress);
  try {
    let header = await pmtiles.getHeader();
    const checked = headerCheckedAt.get(key) ?? 0;
    if (Date.now() - checked > HEADER_RECHECK_MS) {
      const head = await env.MEDIA.head(key);
      if (!head) throw new ArchiveMissing(key);
      if (head.etag !== header.etag) {
        await directoryCache.invalidate(source);
        header = await pmtiles.getHeader();
      }
      headerCheckedAt.set(key, Date.now());
    }
    return { pmtiles, header, etag: header.etag ?? "" };
  } catch (err) {
    if (err instanceof ArchiveMissing) {
      await directoryCache.invalidate(source);
      headerCheckedAt.delete(key);
      throw notFound(
        `No map archive at R2 key ${key}: run \`npm run maps:load\` (local) or \`npm run maps:upload\``,
        "map_archive_missing",
      );
    }
    throw err;
  }
}

export type TileRead = { kind: "tile"; data: ArrayBuffer; etag: string } | { kind: "empty"; etag: string };

/** Weak: the runtime may gzip the bytes on the wire, and the identity is the archive version plus the address. */
export function tileEtag(archive: Archive, z: number, x: number, y: number): string {
  return `W/"${archive.etag}-${z}-${x}-${y}"`;
}

/**
 * Checks the address against the archive: 404 outside its zoom range or the tile grid (clients should not ask;
 * TileJSON says minzoom/maxzoom), and a tile type other than MVT is a configuration error.
 */
export function assertServable(archive: Archive, z: number, x: number, y: number): void {
  const { header } = archive;
  if (header.tileType !== TileType.Mvt) {
    throw new ApiError(
      500,
      "unsupported_tile_type",
      `The map archive holds ${TileType[header.tileType]} tiles, not MVT`,
    );
  }
  const size = 2 ** z;
  if (z < header.minZoom || z > header.maxZoom || x >= size || y >= size) {
    throw notFound(
      `Tile ${z}/${x}/${y} is outside the archive (zoom ${header.minZoom}–${header.maxZoom})`,
      "tile_out_of_range",
    );
  }
}

/**
 * Reads one tile; `empty` means the address is inside the archive but holds no data (sea, or sparse extract).
 * If the archive was replaced since `archive` was opened, getZxy's EtagMismatch retry reads the new file; the
 * archive is then refreshed so the returned ETag names the version the bytes came from.
 */
export async function readTile(archive: Archive, z: number, x: number, y: number): Promise<TileRead> {
  const hot = hotTile(archive, z, x, y);
  if (hot) return { kind: "tile", data: hot, etag: tileEtag(archive, z, x, y) };
  const res = await archive.pmtiles.getZxy(z, x, y);
  const header = await archive.pmtiles.getHeader();
  if (header.etag && header.etag !== archive.etag) Object.assign(archive, { header, etag: header.etag });
  const etag = tileEtag(archive, z, x, y);
  if (!res || res.data.byteLength === 0) return { kind: "empty", etag };
  remember(`${archive.etag}/${z}/${x}/${y}`, res.data);
  return { kind: "tile", data: res.data, etag };
}

/** The module-scope copy of a tile, if this isolate served it recently: cheaper than even a Cache API hit. */
export function hotTile(archive: Archive, z: number, x: number, y: number): ArrayBuffer | null {
  const key = `${archive.etag}/${z}/${x}/${y}`;
  const hit = tileLru.get(key);
  if (!hit) return null;
  tileLru.delete(key);
  tileLru.set(key, hit); // most recently used goes last
  return hit;
}

function remember(key: string, data: ArrayBuffer): void {
  if (data.byteLength > TILE_LRU_BYTES / 16) return;
  tileLru.set(key, data);
  tileLruBytes += data.byteLength;
  for (const [k, v] of tileLru) {
    if (tileLruBytes <= TILE_LRU_BYTES) break;
    tileLru.delete(k);
    tileLruBytes -= v.byteLength;
  }
}

/** TileJSON 3.0.0 for MapLibre's `url` source option, with tile URLs on the requesting origin. */
export async function tileJson(env: Env, origin: string) {
  const archive = await openArchive(env);
  const { header } = archive;
  const meta = ((await archive.pmtiles.getMetadata()) ?? {}) as Record<string, unknown>;
  return {
    archive,
    body: {
      tilejson: "3.0.0",
      scheme: "xyz",
      tiles: [`${origin}/api/v1/maps/tiles/{z}/{x}/{y}.mvt`],
      name: meta.name,
      description: meta.description,
      version: meta.version,
      attribution: meta.attribution,
      vector_layers: meta.vector_layers ?? [],
      minzoom: header.minZoom,
      maxzoom: header.maxZoom,
      bounds: [header.minLon, header.minLat, header.maxLon, header.maxLat],
      center: [header.centerLon, header.centerLat, header.centerZoom],
    },
  };
}
