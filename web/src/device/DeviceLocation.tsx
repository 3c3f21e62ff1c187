/** Where the device is: live GPS when streaming, else the end of its last drive with GPS. */
import type { Map as MlMap, Marker } from "maplibre-gl";
import { createEffect, createResource, type JSX, Show } from "solid-js";
import { getLocation } from "../api/devices";
import { t } from "../i18n";
import { BaseMap, type MapLib } from "../map/BaseMap";
import { ago } from "../util/format";

/**
 * Street level where the basemap has streets; with the embedded low-zoom world map (z0–6) a few levels past its
 * data, so there is still land, water and place names around the marker rather than one flat colour.
 */
function placeZoom(map: MlMap): number {
  const maxzooms = Object.keys(map.getStyle()?.sources ?? {}).map(
    (id) => (map.getSource(id) as { maxzoom?: number } | undefined)?.maxzoom ?? 22,
  );
  return Math.min(13, Math.max(...maxzooms, 0) + 2);
}

export function DeviceLocation(props: {
  dongleId: string;
  live?: { lat: number; lng: number; at: number };
}): JSX.Element {
  const [last] = createResource(
    () => props.dongleId,
    (d) => getLocation(d).catch(() => null),
  );
  const position = () => props.live ?? (last() ? { lat: last()!.lat, lng: last()!.lng, at: last()!.time } : null);
  let map: MlMap | undefined;
  let marker: Marker | undefined;
  const place = () => {
    const p = position();
    if (!map || !marker || !p) return;
    marker.setLngLat([p.lng, p.lat]).addTo(map);
    map.jumpTo({ center: [p.lng, p.lat], zoom: Math.max(map.getZoom(), placeZoom(map)) });
  };
  const onReady = (m: MlMap, lib: MapLib) => {
    map = m;
    const el = document.createElement("div");
    el.className = "map-marker map-marker-device";
    marker = new lib.Marker({ element: el });
    place();
  };
  createEffect(() => {
    position();
    place();
  });
  return (
    <section class="card location" aria-labelledby="loc-h">
      <div class="section-head">
        <h2 id="loc-h">{t("device.location")}</h2>
        <Show when={position()}>
          {(p) => <span class="muted small">{props.live ? t("device.live") : ago(new Date(p().at))}</span>}
        </Show>
      </div>
      <Show when={!last.loading} fallback={<div class="device-map" />}>
        <Show when={position()} fallback={<p class="muted small">{t("device.no_location")}</p>}>
          <div class="device-map">
            <BaseMap label={t("device.location")} onReady={onReady} />
          </div>
        </Show>
      </Show>
    </section>
  );
}
