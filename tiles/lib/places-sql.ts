/**
 * The geocoding rows as a SQL file for `wrangler d1 execute --file` (local or remote). It replaces the whole
 * Natural Earth set, so re-running it is safe; the FTS index follows through its triggers (created first if a
 * restore or an older export left them out: worker/db/places-fts.ts).
 * Statements are batched (D1 caps one statement at 100 KB) and kept well under that.
 */
import { PLACES_FTS_DDL, PLACES_FTS_REBUILD } from "../../worker/db/places-fts";
import type { PlaceRecord } from "./world-data";

const BATCH = 200;

export function placesSql(places: PlaceRecord[]): string {
  // The rebuild first: the delete trigger below must find the old rows in the index (a freshly created one is empty).
  const lines = [
    ...[...PLACES_FTS_DDL, PLACES_FTS_REBUILD].map((s) => `${s};`),
    "DELETE FROM places WHERE source = 'naturalearth';",
  ];
  for (let i = 0; i < places.length; i += BATCH) {
    const values = places
      .slice(i, i + BATCH)
      .map(
        (p) =>
          `(${[p.name, p.asciiName, p.province, p.country, p.iso2].map(quote).join(", ")}, ${p.lat.toFixed(6)}, ${p.lng.toFixed(6)}, ${p.population}, 'naturalearth')`,
      );
    lines.push(
      `INSERT INTO places (name, ascii_name, province, country, iso2, lat, lng, population, source) VALUES\n${values.join(",\n")};`,
    );
  }
  // Merges the FTS b-trees written by thousands of single-row trigger inserts.
  lines.push("INSERT INTO places_fts(places_fts) VALUES ('optimize');");
  return lines.join("\n") + "\n";
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
