/**
 * A MapLibre map on our self-hosted basemap, following the app theme. `onStyle` runs after every style load
 * (the first one and each theme switch, which replaces all layers), so callers add their sources there.
 */
import type { Map as MlMap } from "maplibre-gl";
import { createEffect, createSignal, type JSX, on, onCleanup, onMount, Show } from "solid-js";
import { mapStyleUrl } from "../api/maps";
import { t } from "../i18n";
import { resolvedTheme } from "../state/theme";
import { hasWebGL, loadMapLibre } from "./loader";

export type MapLib = typeof import("maplibre-gl");

export interface BaseMapProps {
  label: string;
  center?: [number, number];
  zoom?: number;
  onStyle?: (map: MlMap, lib: MapLib) => void;
  onReady?: (map: MlMap, lib: MapLib) => void;
  children?: JSX.Element;
}

export function BaseMap(props: BaseMapProps): JSX.Element {
  let container!: HTMLDivElement;
  const [failed, setFailed] = createSignal<string | null>(null);
  let map: MlMap | undefined;

  onMount(async () => {
    if (!hasWebGL()) return setFailed(t("map.no_webgl"));
    let lib: MapLib;
    try {
      lib = await loadMapLibre();
    } catch {
      return setFailed(t("map.unavailable"));
    }
    if (!container.isConnected) return;
    map = new lib.Map({
      container,
      style: mapStyleUrl(resolvedTheme()),
      center: props.center ?? [10, 30],
      zoom: props.zoom ?? 1,
      attributionControl: { compact: true },
      cooperativeGestures: false,
      dragRotate: false,
      pitchWithRotate: false,
    });
    map.addControl(new lib.NavigationControl({ showCompass: false }), "top-right");
    map.on("style.load", () => props.onStyle?.(map!, lib));
    map.once("load", () => props.onReady?.(map!, lib));
  });
  // Theme switch: a new style; onStyle re-adds the caller's layers.
  createEffect(on(resolvedTheme, (theme) => map?.setStyle(mapStyleUrl(theme)), { defer: true }));
  onCleanup(() => map?.remove());

  return (
    <div class="map" role="region" aria-label={props.label}>
      <div ref={container} class="map-canvas" />
      <Show when={failed()}>
        <div class="map-fallback">{failed()}</div>
      </Show>
      {props.children}
    </div>
  );
}
