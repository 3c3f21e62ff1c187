/**
 * The drive on the map: the coords.json track, a marker at the playback position, and click-to-seek on the
 * track. `data-track="drawn"` is set once MapLibre reports the line rendered (the browser tests wait for it).
 */
import type { Feature, LineString } from "geojson";
import type { GeoJSONSource, Map as MlMap, Marker } from "maplibre-gl";
import { createEffect, type JSX } from "solid-js";
import type { CoordPoint } from "../api/types";
import { t } from "../i18n";
import { BaseMap, type MapLib } from "../map/BaseMap";
import type { Playback } from "./playback";
import { bounds, nearestTime, positionAt } from "./track";

export const TRACK_COLOR = "#1f9cf0";
const CLICK_TOLERANCE_PX = 24;

export function RouteMap(props: { coords: CoordPoint[]; playback: Playback }): JSX.Element {
  let map: MlMap | undefined;
  let marker: Marker | undefined;
  let wrap!: HTMLDivElement;

  const line = (): Feature<LineString> => ({
    type: "Feature",
    properties: {},
    geometry: { type: "LineString", coordinates: props.coords.map((c) => [c.lng, c.lat]) },
  });

  const addTrack = (m: MlMap) => {
    if (m.getSource("track")) (m.getSource("track") as GeoJSONSource).setData(line());
    else m.addSource("track", { type: "geojson", data: line() });
    if (!m.getLayer("track-casing"))
      m.addLayer({
        id: "track-casing",
        type: "line",
        source: "track",
        layout: { "line-cap": "round", "line-join": "round" },
        paint: { "line-color": "#ffffff", "line-width": 7, "line-opacity": 0.85 },
      });
    if (!m.getLayer("track"))
      m.addLayer({
        id: "track",
        type: "line",
        source: "track",
        layout: { "line-cap": "round", "line-join": "round" },
        paint: { "line-color": TRACK_COLOR, "line-width": 4 },
      });
  };

  const onReady = (m: MlMap, lib: MapLib) => {
    map = m;
    const el = document.createElement("div");
    el.className = "map-marker";
    el.setAttribute("aria-hidden", "true");
    marker = new lib.Marker({ element: el });
    // Frame the drive, and again after a layout change (rotation, window resize) until the user moves the map.
    const b = bounds(props.coords);
    const frame = () => b && m.fitBounds(b, { padding: 40, duration: 0, maxZoom: 16 });
    let userMoved = false;
    frame();
    m.on("movestart", (e) => {
      if ((e as { originalEvent?: unknown }).originalEvent) userMoved = true;
    });
    m.on("resize", () => {
      if (!userMoved) frame();
    });
    m.on("click", (e) => {
      const tt = nearestTime(props.coords, e.lngLat.lat, e.lngLat.lng);
      if (tt === null) return;
      const p = positionAt(props.coords, tt)!;
      const px = m.project([p.lng, p.lat]);
      if (Math.hypot(px.x - e.point.x, px.y - e.point.y) <= CLICK_TOLERANCE_PX) props.playback.seek(tt);
    });
    m.on("idle", () => {
      if (m.getLayer("track") && m.queryRenderedFeatures({ layers: ["track"] }).length > 0)
        wrap.dataset.track = "drawn";
    });
    moveMarker(props.playback.time());
  };

  const moveMarker = (time: number) => {
    if (!map || !marker) return;
    const p = positionAt(props.coords, time);
    if (!p) return void marker.remove();
    marker.setLngLat([p.lng, p.lat]);
    if (!marker.getElement().isConnected) marker.addTo(map);
  };
  createEffect(() => moveMarker(props.playback.time()));

  return (
    <div ref={wrap} class="route-map" data-track="pending">
      <BaseMap label={t("route.map")} onStyle={addTrack} onReady={onReady} />
    </div>
  );
}
