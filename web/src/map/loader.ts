/**
 * MapLibre is ~250 KB gzip: loaded only by pages that show a map. Its worker is a separate module file; after
 * bundling, the library's own guess of that URL (next to its chunk) is wrong, so we hand it the emitted asset.
 */
type MapLibre = typeof import("maplibre-gl");

let loading: Promise<MapLibre> | null = null;

export function loadMapLibre(): Promise<MapLibre> {
  loading ??= Promise.all([
    import("maplibre-gl"),
    import("maplibre-gl/dist/maplibre-gl-worker.mjs?url"),
    import("maplibre-gl/dist/maplibre-gl.css"),
  ]).then(([lib, worker]) => {
    lib.setWorkerUrl(worker.default);
    return lib;
  });
  loading.catch(() => {
    loading = null;
  }); // a failed chunk load (offline) may succeed later
  return loading;
}

/** WebGL is required; some locked-down browsers and old GPUs lack it. */
export function hasWebGL(): boolean {
  try {
    const c = document.createElement("canvas");
    return !!(c.getContext("webgl2") ?? c.getContext("webgl"));
  } catch {
    return false;
  }
}
