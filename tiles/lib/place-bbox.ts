/**
 * A place name → a bounding box, from the data the embedded basemap is built from (offline): a country's main
 * landmass (Natural Earth 1:50m, world-atlas), else a populated place (city-timezones) with a box of `radiusKm`
 * around it. "Paris" takes the most populous match; "Paris, United States" or "Paris, US" narrows by country.
 */
import type { MultiPolygon, Polygon, Position } from "geojson";
import { createRequire } from "node:module";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import type { Bbox } from "./region-extract";
import { populatedPlaces } from "./world-data";

const require = createRequire(import.meta.url);

function ringsBbox(rings: Position[][]): Bbox {
  const xs = rings.flat().map((p) => p[0]);
  const ys = rings.flat().map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function countryBbox(name: string): Bbox | null {
  const topo = require("world-atlas/countries-50m.json") as Topology<{
    countries: GeometryCollection<{ name: string }>;
  }>;
  const geo = topo.objects.countries.geometries.find(
    (g) => (g.properties as { name?: string } | undefined)?.name?.toLowerCase() === name.toLowerCase(),
  );
  if (!geo) return null;
  const f = feature(topo, geo) as unknown as { geometry: Polygon | MultiPolygon };
  const polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
  // The largest part: a country's overseas territories and far islands would blow the box up to half the world.
  const boxes = polygons.map(ringsBbox);
  const area = (b: Bbox) => (b[2] - b[0]) * (b[3] - b[1]);
  return boxes.reduce((best, b) => (area(b) > area(best) ? b : best));
}

export function placeBbox(query: string, radiusKm = 25): { bbox: Bbox; label: string } {
  const [name, where] = query.split(",").map((s) => s.trim().toLowerCase());
  const country = where ? null : countryBbox(name);
  if (country) return { bbox: country, label: query };
  const matches = populatedPlaces()
    .filter((p) => p.name.toLowerCase() === name || p.asciiName.toLowerCase() === name)
    .filter((p) => !where || p.country.toLowerCase() === where || p.iso2.toLowerCase() === where)
    .sort((a, b) => b.population - a.population);
  const place = matches[0];
  if (!place) throw new Error(`"${query}" is neither a country nor a place in the embedded index; use --bbox W,S,E,N`);
  const dLat = radiusKm / 111.32;
  const dLng = radiusKm / (111.32 * Math.max(0.01, Math.cos((place.lat * Math.PI) / 180)));
  const bbox: Bbox = [
    Math.max(-180, place.lng - dLng),
    Math.max(-85, place.lat - dLat),
    Math.min(180, place.lng + dLng),
    Math.min(85, place.lat + dLat),
  ];
  return { bbox, label: `${place.name}, ${place.country}` };
}
