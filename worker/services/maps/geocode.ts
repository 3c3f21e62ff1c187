/**
 * Geocoding over D1 (docs/cloudflare.md (Maps)): forward search through the FTS5 index `places_fts`, reverse lookup
 * as the nearest row of `places` inside a growing bounding box (the lat/lng index does the pre-filter).
 * The FTS index is derived from `places` (worker/db/places-fts.ts): if it is missing (a database restored from a
 * plain D1 export, which cannot carry virtual tables), the first search creates and fills it.
 * Built for the Natural Earth set (~7k places) and city-scale address lists; planet scale wants an upstream.
 */
import { and, between, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../db/client";
import { PLACES_FTS_DDL, PLACES_FTS_REBUILD } from "../../db/places-fts";
import { places } from "../../db/schema";
import { badRequest } from "../../errors";

export interface PlaceResult {
  id: number;
  name: string;
  display_name: string;
  province: string;
  country: string;
  iso2: string;
  lat: number;
  lng: number;
  population: number;
}

type PlaceRow = typeof places.$inferSelect;

/**
 * Free text → FTS5 query: letters/digits only (user text cannot inject FTS operators), every token a quoted
 * prefix, all tokens required. "springfield mo" matches Springfield in Missouri through the province column.
 */
export function ftsQuery(q: string): string | null {
  const tokens =
    q
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu)
      ?.slice(0, 8) ?? [];
  return tokens.length ? tokens.map((t) => `"${t}"*`).join(" ") : null;
}

/** Exact name matches first, then the most populous: "paris" is Paris, France before Paris, Texas. */
export async function searchPlaces(db: Db, q: string, limit: number): Promise<PlaceResult[]> {
  const match = ftsQuery(q);
  if (!match) throw badRequest("invalid_query", "q must contain at least one letter or digit");
  const exact = q.trim().toLowerCase();
  const search = () =>
    db.all<PlaceRow & { ascii_name: string }>(sql`
    SELECT p.id, p.name, p.ascii_name, p.province, p.country, p.iso2, p.lat, p.lng, p.population
    FROM places_fts JOIN places p ON p.id = places_fts.rowid
    WHERE places_fts MATCH ${match}
    ORDER BY (lower(p.name) = ${exact} OR lower(p.ascii_name) = ${exact}) DESC, p.population DESC, bm25(places_fts)
    LIMIT ${limit}`);
  let rows: Awaited<ReturnType<typeof search>>;
  try {
    rows = await search();
  } catch (err) {
    if (!isMissingIndex(err)) throw err;
    await buildPlacesIndex(db);
    rows = await search();
  }
  return rows.map(toResult);
}

/** Creates the FTS index and its triggers if absent and fills it from `places`. Idempotent, so racing calls are fine. */
export async function buildPlacesIndex(db: Db): Promise<void> {
  await db.batch(
    [...PLACES_FTS_DDL, PLACES_FTS_REBUILD].map((s) => db.run(sql.raw(s))) as unknown as [BatchItem<"sqlite">],
  );
}

/** D1 reports "no such table: places_fts"; drizzle wraps it in "Failed query: …" with the D1 error as the cause. */
function isMissingIndex(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (/no such table: places_fts\b/.test(e.message)) return true;
  }
  return false;
}

/** Nearest place to a point, or null if none within ~10° (open ocean, or an empty table). */
export async function nearestPlace(
  db: Db,
  lat: number,
  lng: number,
): Promise<(PlaceResult & { distance_km: number }) | null> {
  // Longitude degrees shrink with latitude; scaling them keeps "nearest" honest away from the equator.
  const k = Math.max(Math.cos((lat * Math.PI) / 180), 0.05);
  for (const radius of [0.5, 2, 10]) {
    const lngRadius = radius / k;
    const [row] = await db
      .select()
      .from(places)
      .where(
        and(between(places.lat, lat - radius, lat + radius), between(places.lng, lng - lngRadius, lng + lngRadius)),
      )
      .orderBy(
        sql`(${places.lat} - ${lat}) * (${places.lat} - ${lat}) + (${places.lng} - ${lng}) * (${places.lng} - ${lng}) * ${k * k}`,
      )
      .limit(1);
    if (row) return { ...toResult(row), distance_km: Math.round(haversineKm(lat, lng, row.lat, row.lng) * 10) / 10 };
  }
  return null;
}

function toResult(
  r: Pick<PlaceRow, "id" | "name" | "province" | "country" | "iso2" | "lat" | "lng" | "population">,
): PlaceResult {
  return {
    id: r.id,
    name: r.name,
    display_name: [r.name, r.province, r.country].filter(Boolean).join(", "),
    province: r.province,
    country: r.country,
    iso2: r.iso2,
    lat: r.lat,
    lng: r.lng,
    population: r.population,
  };
}

function haversineKm(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const rad = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lng2 - lng1) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(a));
}
