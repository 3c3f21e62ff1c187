/**
 * Map settings read from [vars]. Both are optional, so the Worker runs before they are added to wrangler.jsonc:
 * - MAP_ARCHIVE_KEY: R2 key (bucket MEDIA) of the PMTiles basemap; default "maps/world.pmtiles".
 * - ROUTING_URL: base URL of an OSRM-compatible HTTP API (e.g. "https://osrm.example.org"); empty = routing disabled.
 */
type MapVars = { MAP_ARCHIVE_KEY?: string; ROUTING_URL?: string };

export const DEFAULT_MAP_ARCHIVE_KEY = "maps/world.pmtiles";

export function mapArchiveKey(env: Env): string {
  return (env as Env & MapVars).MAP_ARCHIVE_KEY?.trim() || DEFAULT_MAP_ARCHIVE_KEY;
}

export function routingUrl(env: Env): string | null {
  const url = (env as Env & MapVars).ROUTING_URL?.trim();
  return url ? url.replace(/\/+$/, "") : null;
}
