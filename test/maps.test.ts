/**
 * Maps API through the real Worker: a tiny PMTiles archive is built here with the same writer the tiles build
 * uses, put into the real (local) R2 binding, and read back as tiles, TileJSON, style and fonts.
 */
import { VectorTile } from "@mapbox/vector-tile";
import { validateStyleMin } from "@maplibre/maplibre-gl-style-spec";
import { env } from "cloudflare:workers";
import type { Feature, FeatureCollection } from "geojson";
import { PbfReader } from "pbf";
import { beforeAll, describe, expect, it } from "vitest";
import { FONT_FILES } from "../tiles/fonts";
import { writePmtiles } from "../tiles/lib/pmtiles-writer";
import { buildVectorTiles } from "../tiles/lib/vector-tiles";
import { DEFAULT_MAP_ARCHIVE_KEY } from "../worker/services/maps/config";
import { createUser, ORIGIN, workerFetch, type TestUser } from "./helpers";

const PARIS: [number, number] = [2.3522, 48.8566];
const MAX_ZOOM = 8;

const collection = (features: Feature[]): FeatureCollection => ({ type: "FeatureCollection", features });

/** Land around Paris, a lake, one labelled place: enough for every layer kind the style reads. */
async function tinyArchive(placeName: string): Promise<Uint8Array> {
  const box = (w: number, s: number, e: number, n: number) => [
    [
      [w, s],
      [e, s],
      [e, n],
      [w, n],
      [w, s],
    ],
  ];
  const tiles = buildVectorTiles(
    [
      {
        name: "earth",
        data: collection([
          {
            type: "Feature",
            properties: { kind: "earth" },
            geometry: { type: "Polygon", coordinates: box(-5, 42, 8, 51) },
          },
        ]),
      },
      {
        name: "water",
        data: collection([
          {
            type: "Feature",
            properties: { kind: "lake" },
            geometry: { type: "Polygon", coordinates: box(2.4, 48.9, 2.6, 49) },
          },
        ]),
      },
      {
        name: "places",
        minZoomProperty: "min_zoom",
        data: collection([
          {
            type: "Feature",
            properties: { kind: "locality", name: placeName, min_zoom: 2, population_rank: 12 },
            geometry: { type: "Point", coordinates: PARIS },
          },
        ]),
      },
    ],
    { minZoom: 0, maxZoom: MAX_ZOOM },
  );
  return writePmtiles(tiles, {
    metadata: {
      name: "test",
      attribution: "test data",
      vector_layers: ["earth", "water", "places"].map((id) => ({ id, fields: {}, minzoom: 0, maxzoom: MAX_ZOOM })),
    },
  });
}

function tileOf([lng, lat]: [number, number], z: number): [number, number] {
  const n = 2 ** z;
  const x = Math.floor(((lng + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return [x, y];
}

function decode(buf: ArrayBuffer): VectorTile {
  return new VectorTile(new PbfReader(new Uint8Array(buf)));
}

const tileUrl = (z: number, x: number, y: number) => `/api/v1/maps/tiles/${z}/${x}/${y}.mvt`;

describe("maps: tiles from R2", () => {
  it("answers 404 map_archive_missing before any archive is uploaded", async () => {
    await env.MEDIA.delete(DEFAULT_MAP_ARCHIVE_KEY);
    const res = await workerFetch("/api/v1/maps/tiles.json");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "map_archive_missing" });
  });

  describe("with an archive", () => {
    beforeAll(async () => {
      await env.MEDIA.put(DEFAULT_MAP_ARCHIVE_KEY, await tinyArchive("Downtown"));
    });

    it("serves TileJSON with tile URLs on the request origin", async () => {
      const res = await workerFetch("/api/v1/maps/tiles.json");
      expect(res.status).toBe(200);
      const tj = (await res.json()) as Record<string, unknown>;
      expect(tj).toMatchObject({ tilejson: "3.0.0", minzoom: 0, maxzoom: MAX_ZOOM, attribution: "test data" });
      expect(tj.tiles).toEqual([`${ORIGIN}/api/v1/maps/tiles/{z}/{x}/{y}.mvt`]);
      expect((tj.vector_layers as { id: string }[]).map((l) => l.id)).toEqual(["earth", "water", "places"]);
      const again = await workerFetch("/api/v1/maps/tiles.json", {
        headers: { "If-None-Match": res.headers.get("ETag")! },
      });
      expect(again.status).toBe(304);
    });

    it("serves a decodable MVT with the layers of the archive", async () => {
      const [x, y] = tileOf(PARIS, 6);
      const res = await workerFetch(tileUrl(6, x, y));
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toBe("application/vnd.mapbox-vector-tile");
      expect(res.headers.get("Content-Encoding")).toBeNull();
      const tile = decode(await res.arrayBuffer());
      expect(Object.keys(tile.layers).sort()).toEqual(["earth", "places", "water"]);
      expect(tile.layers.places.feature(0).properties.name).toBe("Downtown");
    });

    it("asks the runtime to gzip when the client accepts it, and serves the same tile again from the cache", async () => {
      const [x, y] = tileOf(PARIS, 5);
      for (let i = 0; i < 2; i++) {
        const res = await workerFetch(tileUrl(5, x, y), { headers: { "Accept-Encoding": "gzip, br" } });
        expect(res.status).toBe(200);
        expect(res.headers.get("Content-Encoding")).toBe("gzip");
        expect(res.headers.get("Vary")).toContain("Accept-Encoding");
        // JS sees the plain body; the runtime applies the encoding on a real wire (checked against wrangler dev:
        // one gzip layer for fresh and cached tiles alike).
        const mvt = await res.arrayBuffer();
        expect(decode(mvt).layers.places.feature(0).properties.name).toBe("Downtown");
      }
    });

    it("honours If-None-Match with 304 and no body", async () => {
      const [x, y] = tileOf(PARIS, 4);
      const first = await workerFetch(tileUrl(4, x, y));
      const etag = first.headers.get("ETag")!;
      expect(etag).toMatch(/^W\/".+-4-\d+-\d+"$/);
      await first.arrayBuffer();
      const second = await workerFetch(tileUrl(4, x, y), { headers: { "If-None-Match": `"other", ${etag}` } });
      expect(second.status).toBe(304);
      expect(second.headers.get("ETag")).toBe(etag);
      expect(await second.text()).toBe("");
    });

    it("answers 204 for an empty tile inside the zoom range and 404 outside it", async () => {
      const empty = await workerFetch(tileUrl(3, 0, 7)); // the south Pacific: nothing there
      expect(empty.status).toBe(204);
      for (const [z, x, y] of [
        [MAX_ZOOM + 1, 0, 0],
        [2, 4, 0],
        [2, 0, 9],
      ]) {
        const res = await workerFetch(tileUrl(z, x, y));
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ error: "tile_out_of_range" });
      }
      expect((await workerFetch("/api/v1/maps/tiles/1/0/0.png")).status).toBe(404);
    });

    it("follows a replaced archive (R2 etag mismatch → fresh header and directories)", async () => {
      const [x, y] = tileOf(PARIS, 7);
      const before = await workerFetch(tileUrl(7, x - 1, y)); // warms header + directory caches for the old file
      await before.arrayBuffer();
      const put = await env.MEDIA.put(DEFAULT_MAP_ARCHIVE_KEY, await tinyArchive("Uptown"));
      const res = await workerFetch(tileUrl(7, x, y));
      expect(res.status).toBe(200);
      expect(decode(await res.arrayBuffer()).layers.places.feature(0).properties.name).toBe("Uptown");
      expect(res.headers.get("ETag")).toBe(`W/"${put!.etag}-7-${x}-${y}"`);
    });
  });
});

describe("maps: style and fonts", () => {
  it.each(["light", "dark"])("serves a valid %s style that references only our origin", async (theme) => {
    const res = await workerFetch(`/api/v1/maps/style.json?theme=${theme}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const style = JSON.parse(text) as Record<string, any>;
    expect(validateStyleMin(style as never)).toEqual([]);
    const urls = text.match(/https?:\/\/[^"]*/g) ?? [];
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url.startsWith(`${ORIGIN}/api/v1/maps/`)).toBe(true);
    expect(style.sources.protomaps.url).toBe(`${ORIGIN}/api/v1/maps/tiles.json`);
    expect(style).not.toHaveProperty("glyphs");
    expect(style).not.toHaveProperty("sprite");
    expect(text).not.toContain('"icon-image"');
    expect(Object.keys(style["font-faces"]).sort()).toEqual([
      "Noto Sans Italic",
      "Noto Sans Medium",
      "Noto Sans Regular",
    ]);
  });

  it("rejects an unknown theme", async () => {
    const res = await workerFetch("/api/v1/maps/style.json?theme=neon");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_theme" });
  });

  it("serves every font file the style declares, with ETag revalidation", async () => {
    const style = (await (await workerFetch("/api/v1/maps/style.json")).json()) as {
      "font-faces": Record<string, { url: string }[]>;
    };
    const urls = Object.values(style["font-faces"])
      .flat()
      .map((f) => f.url);
    expect(urls.map((u) => u.split("/").pop()).sort()).toEqual([...FONT_FILES].sort());
    for (const url of urls) {
      const res = await workerFetch(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get("Content-Type")).toBe("font/woff2");
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(new TextDecoder().decode(bytes.slice(0, 4))).toBe("wOF2");
    }
    const first = await workerFetch(urls[0]);
    await first.arrayBuffer();
    expect((await workerFetch(urls[0], { headers: { "If-None-Match": first.headers.get("ETag")! } })).status).toBe(304);
    const missing = await workerFetch("/api/v1/maps/fonts/comic-sans.woff2");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "font_not_found" });
  });
});

describe("maps: geocoding in D1 and routing", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createUser();
    await env.DB.prepare(`INSERT INTO places (name, ascii_name, province, country, iso2, lat, lng, population) VALUES
      ('Paris', 'Paris', 'Île-de-France', 'France', 'FR', 48.8667, 2.3333, 11174743),
      ('Paris', 'Paris', 'Texas', 'United States of America', 'US', 33.6609, -95.5555, 25171),
      ('Parma', 'Parma', 'Emilia-Romagna', 'Italy', 'IT', 44.8104, 10.3205, 162755),
      ('São Paulo', 'Sao Paulo', 'São Paulo', 'Brazil', 'BR', -23.5587, -46.6250, 18845000),
      ('Springfield', 'Springfield', 'Missouri', 'United States of America', 'US', 37.1800, -93.3200, 180691),
      ('Springfield', 'Springfield', 'Illinois', 'United States of America', 'US', 39.8200, -89.6500, 137561)`).run();
  });

  const geocode = (q: string) => workerFetch(`/api/v1/maps/geocode?q=${encodeURIComponent(q)}`, { headers: user.auth });

  it("finds places by prefix, exact names first, then by population", async () => {
    const res = await geocode("par");
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { name: string; country: string }[] };
    expect(results.map((r) => `${r.name}/${r.country}`)).toEqual([
      "Paris/France",
      "Parma/Italy",
      "Paris/United States of America",
    ]);
    const exact = (await (await geocode("Paris")).json()) as { results: { display_name: string }[] };
    expect(exact.results[0].display_name).toBe("Paris, Île-de-France, France");
  });

  it("ignores diacritics and matches across columns", async () => {
    const sp = (await (await geocode("sao paulo")).json()) as { results: { name: string }[] };
    expect(sp.results.map((r) => r.name)).toEqual(["São Paulo"]);
    const mo = (await (await geocode("springfield miss")).json()) as { results: { province: string }[] };
    expect(mo.results.map((r) => r.province)).toEqual(["Missouri"]);
  });

  it("keeps the FTS index in step with updates and deletes", async () => {
    await env.DB.prepare("UPDATE places SET name = 'Lutetia', ascii_name = 'Lutetia' WHERE iso2 = 'FR'").run();
    expect(((await (await geocode("lutetia")).json()) as { results: unknown[] }).results).toHaveLength(1);
    await env.DB.prepare("UPDATE places SET name = 'Paris', ascii_name = 'Paris' WHERE iso2 = 'FR'").run();
    expect(((await (await geocode("lutetia")).json()) as { results: unknown[] }).results).toHaveLength(0);
  });

  it("recreates a missing FTS index from places (a database restored from a D1 export has none)", async () => {
    await env.DB.batch(
      ["places_fts_ai", "places_fts_ad", "places_fts_au"]
        .map((t) => env.DB.prepare(`DROP TRIGGER ${t}`))
        .concat(env.DB.prepare("DROP TABLE places_fts")),
    );
    const { results } = (await (await geocode("parm")).json()) as { results: { name: string }[] };
    expect(results.map((r) => r.name)).toEqual(["Parma"]);
    // The triggers came back with it: a new place is found at once.
    await env.DB.prepare(
      "INSERT INTO places (name, ascii_name, country, iso2, lat, lng) VALUES ('Parmain', 'Parmain', 'France', 'FR', 49.1, 2.2)",
    ).run();
    expect(((await (await geocode("parmai")).json()) as { results: unknown[] }).results).toHaveLength(1);
    await env.DB.prepare("DELETE FROM places WHERE name = 'Parmain'").run();
    expect(((await (await geocode("parmai")).json()) as { results: unknown[] }).results).toHaveLength(0);
  });

  it("rejects empty queries and anonymous callers, and FTS syntax in q is just text", async () => {
    expect((await geocode("  ")).status).toBe(400);
    expect((await workerFetch("/api/v1/maps/geocode?q=paris")).status).toBe(401);
    const tricky = await geocode('par" OR name:* NEAR(');
    expect(tricky.status).toBe(200);
  });

  it("reverse-geocodes to the nearest place", async () => {
    const res = await workerFetch("/api/v1/maps/reverse?lat=48.85&lng=2.35", { headers: user.auth });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: { name: string; country: string; distance_km: number } };
    expect(result).toMatchObject({ name: "Paris", country: "France" });
    expect(result.distance_km).toBeLessThan(5);
    const ocean = await workerFetch("/api/v1/maps/reverse?lat=-50&lng=-140", { headers: user.auth });
    expect(await ocean.json()).toEqual({ result: null });
    expect((await workerFetch("/api/v1/maps/reverse?lat=95&lng=0", { headers: user.auth })).status).toBe(400);
  });

  it("answers 501 routing_disabled without ROUTING_URL and 400 for bad coordinates", async () => {
    const res = await workerFetch("/api/v1/maps/route?from=2.35,48.85&to=4.83,45.76", { headers: user.auth });
    expect(res.status).toBe(501);
    expect(await res.json()).toMatchObject({ error: "routing_disabled" });
    const bad = await workerFetch("/api/v1/maps/route?from=2.35&to=4.83,45.76", { headers: user.auth });
    expect(bad.status).toBe(400);
  });
});
