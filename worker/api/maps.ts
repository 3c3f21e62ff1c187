/**
 * Maps API (issue 6): vector tiles + TileJSON + style + fonts are public (MapLibre and the browser's FontFace
 * loader cannot attach our Authorization header, and the basemap holds nothing private); geocoding and routing
 * need a signed-in user (routing spends a self-hoster's upstream).
 */
import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../http/app-env";
import { requireUser } from "../http/auth";
import { ifNoneMatchHits } from "../http/conditional";
import { badRequest, notFound } from "../errors";
import { publicOrigin } from "../http/params";
import { toHex } from "../lib/encoding";
import { nearestPlace, searchPlaces } from "../services/maps/geocode";
import { mapFont } from "../services/maps/fonts";
import { parseTheme, styleJson } from "../services/maps/style";
import { fetchRoute, parseLngLat } from "../services/maps/navigation";
import {
  assertServable,
  hotTile,
  openArchive,
  readTile,
  tileEtag,
  tileJson,
  type Archive,
  type TileRead,
} from "../services/maps/tiles";

export const mapRoutes = new Hono<AppEnv>({ strict: false });

const TILE_CACHE_CONTROL = "public, max-age=86400";
const SHORT_CACHE_CONTROL = "public, max-age=300";
const MAX_ZOOM = 30;
const MVT = "application/vnd.mapbox-vector-tile";

// Hono cannot match `/:y{[0-9]+}.mvt` (a literal suffix after a param), hence the `file` param with its suffix.
mapRoutes.get("/api/v1/maps/tiles/:z{[0-9]+}/:x{[0-9]+}/:file{[0-9]+\\.mvt}", async (c) => {
  const z = Number(c.req.param("z"));
  const x = Number(c.req.param("x"));
  const y = Number(c.req.param("file").slice(0, -".mvt".length));
  if (z > MAX_ZOOM) throw notFound(`Zoom ${z} is beyond any archive`, "tile_out_of_range");

  const archive = await openArchive(c.env);
  assertServable(archive, z, x, y);
  const etag = tileEtag(archive, z, x, y);
  const headers = new Headers({ ETag: etag, "Cache-Control": TILE_CACHE_CONTROL, Vary: "Accept-Encoding" });
  if (ifNoneMatchHits(c.req.header("If-None-Match"), etag)) return new Response(null, { status: 304, headers });

  const tile = await cachedTile(c, archive, z, x, y);
  headers.set("ETag", tile.etag); // differs from `etag` only if the archive was replaced during this request
  if (tile.kind === "empty") return new Response(null, { status: 204, headers });
  headers.set("Content-Type", MVT);
  // The body is plain MVT; with Content-Encoding set, the runtime gzips it on the wire (encodeBody "automatic").
  // Cloudflare does not compress application/vnd.mapbox-vector-tile by itself.
  if (/\bgzip\b/i.test(c.req.header("Accept-Encoding") ?? "")) headers.set("Content-Encoding", "gzip");
  return new Response(tile.data, { status: 200, headers });
});

/**
 * Tile bytes from the cheapest place that has them: this isolate's LRU, the Cache API (custom domains only), R2.
 * The Cache API holds identity-encoded tiles only: a stored gzip body comes back from match() still encoded and
 * would be gzipped a second time on the way out. Keys carry the archive etag, so a replaced archive never serves
 * old cached tiles.
 */
async function cachedTile(c: Context<AppEnv>, archive: Archive, z: number, x: number, y: number): Promise<TileRead> {
  const etag = tileEtag(archive, z, x, y);
  const hot = hotTile(archive, z, x, y);
  if (hot) return { kind: "tile", data: hot, etag };
  const cacheKey = new Request(
    `${new URL(c.req.url).origin}/api/v1/maps/tiles/${z}/${x}/${y}.mvt?v=${encodeURIComponent(archive.etag)}`,
  );
  const cached = await caches.default.match(cacheKey);
  if (cached) return { kind: "tile", data: await cached.arrayBuffer(), etag };
  const tile = await readTile(archive, z, x, y);
  if (tile.kind === "tile" && tile.etag === etag) {
    const headers = { "Content-Type": MVT, "Cache-Control": TILE_CACHE_CONTROL, ETag: etag };
    c.executionCtx.waitUntil(caches.default.put(cacheKey, new Response(tile.data, { headers })));
  }
  return tile;
}

mapRoutes.get("/api/v1/maps/tiles.json", async (c) => {
  const { archive, body } = await tileJson(c.env, publicOrigin(c));
  const etag = `W/"tilejson-${archive.etag}"`;
  const headers = { ETag: etag, "Cache-Control": SHORT_CACHE_CONTROL };
  if (ifNoneMatchHits(c.req.header("If-None-Match"), etag)) return new Response(null, { status: 304, headers });
  return c.json(body, 200, headers);
});

mapRoutes.get("/api/v1/maps/style.json", (c) => {
  const theme = parseTheme(c.req.query("theme"));
  return c.body(styleJson(theme, publicOrigin(c)), 200, {
    "Content-Type": "application/json",
    "Cache-Control": SHORT_CACHE_CONTROL,
  });
});

const fontEtags = new Map<string, string>();

mapRoutes.get("/api/v1/maps/fonts/:file", async (c) => {
  const file = c.req.param("file");
  const data = mapFont(file);
  if (!data) throw notFound(`No font ${file}`, "font_not_found");
  let etag = fontEtags.get(file);
  if (!etag) {
    etag = `"${toHex(await crypto.subtle.digest("SHA-256", data)).slice(0, 32)}"`;
    fontEtags.set(file, etag);
  }
  // Names carry no version, so a week rather than immutable: an upgraded font package reaches clients eventually.
  const headers = { ETag: etag, "Cache-Control": "public, max-age=604800" };
  if (ifNoneMatchHits(c.req.header("If-None-Match"), etag)) return new Response(null, { status: 304, headers });
  return new Response(data, { headers: { ...headers, "Content-Type": "font/woff2" } });
});

mapRoutes.get("/api/v1/maps/geocode", async (c) => {
  requireUser(c);
  const q = c.req.query("q") ?? "";
  const limit = intParam(c, "limit", 10, 1, 25);
  return c.json({ query: q, results: await searchPlaces(c.var.db, q, limit) });
});

mapRoutes.get("/api/v1/maps/reverse", async (c) => {
  requireUser(c);
  const lat = numberParam(c, "lat", 90);
  const lng = numberParam(c, "lng", 180);
  return c.json({ result: await nearestPlace(c.var.db, lat, lng) });
});

mapRoutes.get("/api/v1/maps/route", async (c) => {
  requireUser(c);
  const from = parseLngLat(c.req.query("from"), "from");
  const to = parseLngLat(c.req.query("to"), "to");
  const { status, body } = await fetchRoute(c.env, from, to, c.req.query("profile") || "driving");
  return c.json(body as object, status as ContentfulStatusCode);
});

function numberParam(c: Context<AppEnv>, name: string, maxAbs: number): number {
  const raw = c.req.query(name);
  const v = raw === undefined || raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(v) || Math.abs(v) > maxAbs)
    throw badRequest("invalid_coordinates", `${name} must be a number within ±${maxAbs}`);
  return v;
}

function intParam(c: Context<AppEnv>, name: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max)
    throw badRequest("invalid_parameter", `${name} must be an integer from ${min} to ${max}`);
  return v;
}
