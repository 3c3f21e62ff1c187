/**
 * `npx tsx tiles/build-world.ts [--max-zoom 6]`: builds the embedded default world basemap offline.
 * Writes tiles/build/world.pmtiles (vector, protomaps-schema layers earth/water/boundaries/places, z0–6) and
 * tiles/build/places.sql (the geocoding rows for D1). Inputs come from npm packages only; see lib/world-data.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { writePmtiles } from "./lib/pmtiles-writer";
import { placesSql } from "./lib/places-sql";
import { buildVectorTiles } from "./lib/vector-tiles";
import { populatedPlaces, worldLayers } from "./lib/world-data";

const OUT_DIR = path.join(import.meta.dirname, "build");
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const maxZoom = Number(arg("--max-zoom") ?? 6);

const t0 = performance.now();
const layers = worldLayers();
const t1 = performance.now();
const tiles = buildVectorTiles(layers, { minZoom: 0, maxZoom, tolerance: 2 });
const t2 = performance.now();

const archive = await writePmtiles(tiles, {
  center: [0, 20, 1],
  metadata: {
    name: "edge-connect world",
    description: `Natural Earth 1:50m land, countries and populated places, z0–${maxZoom}, protomaps basemap schema`,
    attribution: "Natural Earth",
    version: "1",
    type: "baselayer",
    vector_layers: [
      { id: "earth", fields: { kind: "String" }, minzoom: 0, maxzoom: maxZoom },
      { id: "water", fields: { kind: "String" }, minzoom: 0, maxzoom: maxZoom },
      {
        id: "boundaries",
        fields: { kind: "String", kind_detail: "Number", min_zoom: "Number" },
        minzoom: 0,
        maxzoom: maxZoom,
      },
      {
        id: "places",
        fields: {
          kind: "String",
          kind_detail: "String",
          name: "String",
          "name:en": "String",
          population: "Number",
          population_rank: "Number",
          min_zoom: "Number",
          sort_key: "Number",
        },
        minzoom: 0,
        maxzoom: maxZoom,
      },
      // Declared though empty at these zooms: the protomaps style references them, and MapLibre reports an error
      // for every style layer whose source-layer is missing from the TileJSON.
      ...["landcover", "landuse", "roads", "buildings", "pois"].map((id) => ({
        id,
        fields: {},
        minzoom: 0,
        maxzoom: maxZoom,
      })),
    ],
  },
});
const t3 = performance.now();

mkdirSync(OUT_DIR, { recursive: true });
writeFileSync(path.join(OUT_DIR, "world.pmtiles"), archive);
const places = populatedPlaces();
writeFileSync(path.join(OUT_DIR, "places.sql"), placesSql(places));

const rawBytes = tiles.reduce((n, t) => n + t.data.length, 0);
console.log(
  `world.pmtiles: ${tiles.length} tiles z0–${maxZoom}, ${(archive.length / 1024).toFixed(0)} KiB ` +
    `(${(rawBytes / 1024).toFixed(0)} KiB uncompressed MVT); places.sql: ${places.length} places\n` +
    `  data ${(t1 - t0).toFixed(0)} ms, tiling ${(t2 - t1).toFixed(0)} ms, archive ${(t3 - t2).toFixed(0)} ms → ${OUT_DIR}`,
);
