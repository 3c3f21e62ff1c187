/**
 * The MapLibre styles built by tiles/build-styles.ts (protomaps layers, self-hosted fonts, no sprite), with their
 * root-relative URLs made absolute for the origin the client used: MapLibre resolves style URLs on its own and does
 * not reliably accept relative ones, and behind a custom domain or `wrangler dev` the origin differs.
 */
import dark from "../../../tiles/styles/dark.json";
import light from "../../../tiles/styles/light.json";
import { badRequest } from "../../errors";

export const MAP_THEMES = { light, dark } as const;
export type MapTheme = keyof typeof MAP_THEMES;

export function parseTheme(value: string | undefined): MapTheme {
  if (value === undefined || value === "") return "light";
  if (value === "light" || value === "dark") return value;
  throw badRequest("invalid_theme", "theme must be light or dark");
}

type FontFace = string | { url: string; "unicode-range"?: string[] };
type StyleShape = { sources: Record<string, { url?: string }>; "font-faces"?: Record<string, FontFace | FontFace[]> };

const serialized = new Map<string, string>();

/** The style as JSON text, memoised per theme and origin (a handful per deployment; bounded anyway). */
export function styleJson(theme: MapTheme, origin: string): string {
  const key = `${theme} ${origin}`;
  let text = serialized.get(key);
  if (text === undefined) {
    if (serialized.size >= 32) serialized.clear();
    text = JSON.stringify(styleFor(theme, origin));
    serialized.set(key, text);
  }
  return text;
}

/** Rewrites the only URL-bearing fields the built styles have: source TileJSON urls and font-faces urls. */
export function styleFor(theme: MapTheme, origin: string): unknown {
  const base = MAP_THEMES[theme] as unknown as StyleShape;
  const abs = (url: string) => (url.startsWith("/") ? origin + url : url);
  const face = (f: FontFace): FontFace => (typeof f === "string" ? abs(f) : { ...f, url: abs(f.url) });
  return {
    ...base,
    sources: Object.fromEntries(
      Object.entries(base.sources).map(([id, src]) => [id, src.url ? { ...src, url: abs(src.url) } : src]),
    ),
    "font-faces": Object.fromEntries(
      Object.entries(base["font-faces"] ?? {}).map(([name, faces]) => [
        name,
        Array.isArray(faces) ? faces.map(face) : face(faces),
      ]),
    ),
  };
}
