/**
 * GeoJSON layers → encoded Mapbox Vector Tiles for a zoom range, ready for the PMTiles writer.
 * Pure JS (geojson-vt + @maplibre/vt-pbf), so it runs in the Node build script and inside workerd tests alike.
 */
import { fromGeojsonVt } from "@maplibre/vt-pbf";
import type { FeatureCollection } from "geojson";
import GeoJSONVT, { type LegacyTile } from "geojson-vt";
import type { TileInput } from "./pmtiles-writer";

export interface LayerInput {
  /** Source-layer name as styles refer to it (protomaps schema: earth, water, boundaries, places, …). */
  name: string;
  data: FeatureCollection;
  /**
   * Property holding the first zoom a feature appears at (protomaps' `min_zoom`). Applied to point layers only:
   * points are never clipped or simplified, so filtering the sliced tile is exact. At the archive's max zoom every
   * feature is kept, because clients overzoom that tile.
   */
  minZoomProperty?: string;
}

export interface TileRange {
  minZoom: number;
  maxZoom: number;
  /** Simplification tolerance in tile pixels (geojson-vt default 3); lower keeps more detail. */
  tolerance?: number;
  /** Extra tile-edge margin in 1/4096 units so strokes and labels do not clip at tile seams. */
  buffer?: number;
}

const EXTENT = 4096;

export function buildVectorTiles(layers: LayerInput[], range: TileRange): TileInput[] {
  const indexes = layers.map((layer) => ({
    layer,
    index: new GeoJSONVT(layer.data, {
      maxZoom: range.maxZoom,
      indexMaxZoom: Math.min(range.maxZoom, 5),
      tolerance: range.tolerance ?? 3,
      buffer: range.buffer ?? 64,
      extent: EXTENT,
    }),
  }));
  const out: TileInput[] = [];

  // Depth-first from z0: a tile empty in every layer has only empty children, so whole empty regions are skipped.
  const visit = (z: number, x: number, y: number) => {
    const tileLayers: Record<string, LegacyTile> = {};
    let features = 0;
    let present = false;
    for (const { layer, index } of indexes) {
      const tile = index.getTile(z, x, y);
      if (!tile) continue;
      present = true;
      const kept =
        layer.minZoomProperty && z < range.maxZoom
          ? tile.features.filter((f) => Number(f.tags?.[layer.minZoomProperty!] ?? 0) <= z)
          : tile.features;
      if (kept.length === 0) continue;
      tileLayers[layer.name] = { ...tile, features: kept };
      features += kept.length;
    }
    // A filtered point layer can be empty at low zoom while deeper tiles have features: keep descending then.
    if (!present) return;
    if (z >= range.minZoom && features > 0) {
      out.push({ z, x, y, data: fromGeojsonVt(tileLayers as never, { version: 2, extent: EXTENT }) });
    }
    if (z < range.maxZoom) {
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ])
        visit(z + 1, x * 2 + dx, y * 2 + dy);
    }
  };
  visit(0, 0, 0);
  return out;
}
