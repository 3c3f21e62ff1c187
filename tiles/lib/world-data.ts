/**
 * The embedded basemap's source data, read from npm packages (Node only; nothing is downloaded):
 * - `world-atlas` 2.0.2: Natural Earth 4.1.0 land and admin-0 countries at 1:50m as TopoJSON (data public domain,
 *   package ISC).
 * - `city-timezones` 1.3.4: 7,3xx populated places (name, province, country, lat/lng, population); the records are
 *   Natural Earth's populated places (public domain data, package MIT).
 * Output follows the protomaps basemap schema (layer names and the `kind`/`min_zoom`/`population_rank` properties
 * its style filters read), so the same style renders this archive and a real Protomaps extract.
 */
import { createRequire } from "node:module";
import type { Feature, FeatureCollection, MultiLineString, MultiPolygon, Polygon, Position } from "geojson";
import polygonClipping from "polygon-clipping";
import polylabel from "polylabel";
import { feature, mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import { planarLines, planarPolygons } from "./antimeridian";
import type { LayerInput } from "./vector-tiles";

const require = createRequire(import.meta.url);
const MERCATOR_LAT = 85.0511287798;

export interface PlaceRecord {
  name: string;
  asciiName: string;
  province: string;
  country: string;
  iso2: string;
  lat: number;
  lng: number;
  population: number;
}

export function populatedPlaces(): PlaceRecord[] {
  const rows = require("city-timezones/data/cityMap.json") as Array<{
    city: string;
    city_ascii: string;
    lat: number;
    lng: number;
    pop: number;
    country: string;
    iso2: string;
    province: string;
  }>;
  return rows
    .filter((r) => r.city && Number.isFinite(r.lat) && Number.isFinite(r.lng))
    .map((r) => ({
      name: r.city,
      asciiName: text(r.city_ascii) || r.city,
      province: text(r.province),
      country: text(r.country),
      iso2: text(r.iso2),
      lat: r.lat,
      lng: r.lng,
      population: Math.round(r.pop ?? 0),
    }));
}

/** Natural Earth writes -99 for "no value" (e.g. iso2 of Kosovo and Somaliland). */
function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function worldLayers(): LayerInput[] {
  const landTopo = require("world-atlas/land-50m.json") as Topology<{ land: GeometryCollection }>;
  const countriesTopo = require("world-atlas/countries-50m.json") as Topology<{
    countries: GeometryCollection<{ name: string }>;
  }>;

  const land = feature(landTopo, landTopo.objects.land) as unknown as FeatureCollection<Polygon | MultiPolygon>;
  const landPolygons = planarPolygons(land.features.flatMap((f) => polygonsOf(f.geometry)));
  const countries = feature(countriesTopo, countriesTopo.objects.countries) as unknown as FeatureCollection<
    Polygon | MultiPolygon,
    { name: string }
  >;
  // Shared arcs only (a !== b): land borders between countries, not coastlines, like protomaps' boundaries layer.
  const sharedArcs = mesh(countriesTopo, countriesTopo.objects.countries, (a, b) => a !== b) as MultiLineString;
  const borders: MultiLineString = { type: "MultiLineString", coordinates: planarLines(sharedArcs.coordinates) };

  return [
    { name: "earth", data: collection(landPolygons.map((coordinates) => polygon(coordinates, { kind: "earth" }))) },
    {
      name: "water",
      data: collection(oceanPolygons(landPolygons).map((coordinates) => polygon(coordinates, { kind: "ocean" }))),
    },
    {
      name: "boundaries",
      data: collection([
        { type: "Feature", properties: { kind: "country", kind_detail: 2, min_zoom: 0 }, geometry: borders },
      ]),
    },
    {
      name: "places",
      minZoomProperty: "min_zoom",
      data: collection([...countryLabels(countries), ...cityPoints(populatedPlaces())]),
    },
  ];
}

/**
 * Protomaps draws water polygons over the earth layer on a grey background, so the ocean must exist as polygons:
 * the mercator world rectangle minus land (lakes inside land rings, such as the Caspian, come out as water too).
 */
function oceanPolygons(landPolygons: Position[][][]): Position[][][] {
  const world: Position[][] = [
    [
      [-180, -MERCATOR_LAT],
      [180, -MERCATOR_LAT],
      [180, MERCATOR_LAT],
      [-180, MERCATOR_LAT],
      [-180, -MERCATOR_LAT],
    ],
  ];
  return polygonClipping.difference(world as never, ...(landPolygons as never[])) as Position[][][];
}

/** One label point per country, inside its largest polygon; size-derived ranks stand in for population. */
function countryLabels(countries: FeatureCollection<Polygon | MultiPolygon, { name: string }>): Feature[] {
  const out: Feature[] = [];
  for (const c of countries.features) {
    if (!c.geometry || !c.properties?.name) continue;
    const polys = planarPolygons(polygonsOf(c.geometry));
    if (polys.length === 0) continue;
    const areas = polys.map((p) => Math.abs(ringArea(p[0])));
    const largest = polys[areas.indexOf(Math.max(...areas))];
    const total = areas.reduce((a, b) => a + b, 0);
    const [lng, lat] = polylabel(largest, 0.1);
    // Area in square degrees: > 1000 is Russia/Canada/USA/China/Brazil/Australia-sized, ~50 is France or Germany.
    const rank = total > 1000 ? 12 : total > 200 ? 10 : total > 40 ? 8 : total > 8 ? 6 : 4;
    const minZoom = total > 1000 ? 0 : total > 200 ? 1 : total > 40 ? 2 : total > 8 ? 3 : 4;
    out.push(
      point(lng, lat, {
        kind: "country",
        name: c.properties.name,
        "name:en": c.properties.name,
        population_rank: rank,
        min_zoom: minZoom,
        sort_key: minZoom,
      }),
    );
  }
  return out;
}

function cityPoints(places: PlaceRecord[]): Feature[] {
  return places.map((p) => {
    const minZoom =
      p.population >= 10_000_000
        ? 2
        : p.population >= 3_000_000
          ? 3
          : p.population >= 1_000_000
            ? 4
            : p.population >= 300_000
              ? 5
              : p.population >= 100_000
                ? 6
                : 7;
    return point(p.lng, p.lat, {
      kind: "locality",
      kind_detail: "city",
      name: p.name,
      population: p.population,
      population_rank: populationRank(p.population),
      min_zoom: minZoom,
      sort_key: minZoom,
    });
  });
}

/** Same idea as protomaps' population_rank: the number of population breaks a place clears (bigger = larger text). */
function populationRank(population: number): number {
  const breaks = [1e9, 1e8, 5e7, 2e7, 1e7, 5e6, 1e6, 5e5, 2e5, 1e5, 5e4, 2e4, 1e4, 5e3, 2e3, 1e3, 200, 0];
  const i = breaks.findIndex((b) => population >= b);
  return breaks.length - (i < 0 ? breaks.length : i);
}

function polygonsOf(g: Polygon | MultiPolygon): Position[][][] {
  return g.type === "Polygon" ? [g.coordinates] : g.coordinates;
}

function ringArea(ring: Position[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
    a += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return a / 2;
}

const collection = (features: Feature[]): FeatureCollection => ({ type: "FeatureCollection", features });
const polygon = (coordinates: Position[][], properties: Record<string, unknown>): Feature => ({
  type: "Feature",
  properties,
  geometry: { type: "Polygon", coordinates },
});
const point = (lng: number, lat: number, properties: Record<string, unknown>): Feature => ({
  type: "Feature",
  properties,
  geometry: { type: "Point", coordinates: [lng, lat] },
});
