/**
 * `npx tsx tiles/build-styles.ts`: writes tiles/styles/{light,dark}.json, the MapLibre styles the Worker serves at
 * /api/v1/maps/style.json (committed, so the Worker needs no build step; re-run after upgrading the packages).
 *
 * Layers come from @protomaps/basemaps (its generator would point `glyphs` and `sprite` at protomaps.github.io).
 * Here everything is self-hosted: the source is our TileJSON, labels use the style-root `font-faces` (MapLibre GL
 * JS ≥ 6 rasterises woff2 glyphs in the browser, so no glyph PBF server), and icon properties are dropped because
 * no sprite sheet ships in any npm package (the app can add icons with map.addImage). URLs stay root-relative
 * ("/api/v1/…"); the Worker makes them absolute for the requesting origin.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { validateStyleMin } from "@maplibre/maplibre-gl-style-spec";
import { layers, namedFlavor } from "@protomaps/basemaps";
import { FONT_NAMES, FONT_SUBSETS, fontFile, type FontName } from "./fonts";

const require = createRequire(import.meta.url);
const OUT_DIR = path.join(import.meta.dirname, "styles");
const SOURCE_ID = "protomaps";

function unicodeRanges(): Map<string, string[]> {
  const ranges = new Map<string, string[]>();
  const cssDir = path.dirname(require.resolve("@fontsource/noto-sans/400.css"));
  for (const css of ["400.css", "500.css", "400-italic.css"]) {
    const text = readFileSync(path.join(cssDir, css), "utf8");
    for (const m of text.matchAll(/url\(\.\/files\/([^)]+\.woff2)\)[^;]*;\s*unicode-range:\s*([^;]+);/g)) {
      ranges.set(
        m[1],
        m[2].split(",").map((r) => r.trim()),
      );
    }
  }
  return ranges;
}

function fontFaces() {
  const ranges = unicodeRanges();
  return Object.fromEntries(
    Object.keys(FONT_NAMES).map((name) => [
      name,
      FONT_SUBSETS.map((subset) => {
        const file = fontFile(subset, name as FontName);
        const range = ranges.get(file);
        if (!range) throw new Error(`no unicode-range for ${file} in @fontsource/noto-sans`);
        return { url: `/api/v1/maps/fonts/${file}`, "unicode-range": range };
      }),
    ]),
  );
}

function stripIcons(layer: Record<string, unknown>) {
  const layout = layer.layout as Record<string, unknown> | undefined;
  if (!layout) return layer;
  return { ...layer, layout: Object.fromEntries(Object.entries(layout).filter(([k]) => !k.startsWith("icon-"))) };
}

function style(theme: "light" | "dark") {
  return {
    version: 8,
    name: `edge-connect ${theme}`,
    metadata: {
      "edge-connect:theme": theme,
      "edge-connect:generator": "tiles/build-styles.ts from @protomaps/basemaps",
    },
    // Attribution comes from the TileJSON (the archive's own metadata), so a real extract credits OpenStreetMap.
    sources: { [SOURCE_ID]: { type: "vector", url: "/api/v1/maps/tiles.json" } },
    "font-faces": fontFaces(),
    layers: layers(SOURCE_ID, namedFlavor(theme), { lang: "en" }).map((l) => stripIcons(l as never)),
  };
}

mkdirSync(OUT_DIR, { recursive: true });
for (const theme of ["light", "dark"] as const) {
  const s = style(theme);
  const errors = validateStyleMin(s as never);
  if (errors.length) throw new Error(`${theme} style is invalid:\n${errors.map((e) => e.message).join("\n")}`);
  const file = path.join(OUT_DIR, `${theme}.json`);
  writeFileSync(file, JSON.stringify(s) + "\n");
  console.log(
    `${path.relative(process.cwd(), file)}: ${s.layers.length} layers, ${(JSON.stringify(s).length / 1024).toFixed(0)} KiB`,
  );
}
