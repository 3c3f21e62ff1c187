/**
 * Makes spherical polygons safe for a flat (web-mercator) tiler. world-atlas keeps Natural Earth's topology for
 * d3-geo, which cuts at the antimeridian while projecting; read as plain lon/lat, a few rings (Eurasia through
 * Chukotka, Wrangel Island, Fiji, Antarctica around the pole) have edges from +180 to −180 that a tiler draws as
 * bands across the whole map. Each ring is unwrapped to continuous longitudes (a ring around a pole is closed
 * through that pole), then the polygon is cut into the [−180, 180] world and its ±360° copies are folded back.
 */
import type { Position } from "geojson";
import polygonClipping, { type Pair, type Polygon as PcPolygon } from "polygon-clipping";

type Ring = Position[];

function unwrap(ring: Ring): Ring {
  const out: Ring = [[ring[0][0], ring[0][1]]];
  let shift = 0;
  for (let i = 1; i < ring.length; i++) {
    const d = ring[i][0] - ring[i - 1][0];
    if (d > 180) shift -= 360;
    else if (d < -180) shift += 360;
    out.push([ring[i][0] + shift, ring[i][1]]);
  }
  const first = out[0];
  const last = out[out.length - 1];
  if (Math.abs(last[0] - first[0]) > 180) {
    // Encircles a pole: walk down (or up) to it and back along the pole line to close the ring.
    const pole = out.reduce((s, p) => s + p[1], 0) / out.length < 0 ? -90 : 90;
    out.push([last[0], pole], [first[0], pole], [first[0], first[1]]);
  }
  // Recentre on the main world copy, so an outer ring and its holes (unwrapped separately) stay aligned.
  const lons = out.map((p) => p[0]);
  const recentre = -360 * Math.round((Math.min(...lons) + Math.max(...lons)) / 2 / 360);
  return recentre ? out.map(([x, y]) => [x + recentre, y]) : out;
}

function ringArea(ring: Ring): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
    a += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return a / 2;
}

const crosses = (ring: Ring) => ring.some((p, i) => i > 0 && Math.abs(p[0] - ring[i - 1][0]) > 180);

/** Returns planar polygons (rings as [[lon, lat], …]) covering the same area, none crossing the antimeridian. */
export function planarPolygons(polygons: Position[][][]): Position[][][] {
  const out: Position[][][] = [];
  for (const polygon of polygons) {
    if (!polygon.some(crosses)) {
      out.push(polygon);
      continue;
    }
    // Degenerate rings (zero area: NE's sliver along the south pole line) carry no surface; drop them.
    const rings = polygon.map(unwrap).filter((r) => Math.abs(ringArea(r)) > 1e-9);
    if (rings.length === 0) continue;
    for (const k of [-1, 0, 1]) {
      const box: Pair[][] = [
        [
          [-180 + 360 * k, -90],
          [180 + 360 * k, -90],
          [180 + 360 * k, 90],
          [-180 + 360 * k, 90],
          [-180 + 360 * k, -90],
        ],
      ];
      const pieces = polygonClipping.intersection(rings as PcPolygon, box);
      for (const piece of pieces) out.push(piece.map((ring) => ring.map(([x, y]) => [x - 360 * k, y])));
    }
  }
  return out;
}

/** Breaks lines where they jump across the antimeridian. */
export function planarLines(lines: Position[][]): Position[][] {
  const out: Position[][] = [];
  for (const line of lines) {
    let current: Position[] = [line[0]];
    for (let i = 1; i < line.length; i++) {
      if (Math.abs(line[i][0] - line[i - 1][0]) > 180) {
        if (current.length > 1) out.push(current);
        current = [];
      }
      current.push(line[i]);
    }
    if (current.length > 1) out.push(current);
  }
  return out;
}
