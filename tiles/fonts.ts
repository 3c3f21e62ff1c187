/**
 * Which font files the map style declares in `font-faces`, shared by tiles/build-styles.ts (writes the style) and
 * the test that checks the Worker serves every one (worker/services/maps/fonts.ts imports the same files).
 * The three names are the ones @protomaps/basemaps puts in `text-font`. Files come from @fontsource/noto-sans
 * (OFL-1.1); each subset is its own small woff2 and MapLibre downloads one only when a label needs its range.
 */
export const FONT_NAMES = {
  "Noto Sans Regular": { weight: 400, style: "normal" },
  "Noto Sans Medium": { weight: 500, style: "normal" },
  "Noto Sans Italic": { weight: 400, style: "italic" },
} as const;

export const FONT_SUBSETS = ["latin", "latin-ext", "cyrillic", "greek"] as const;

export type FontName = keyof typeof FONT_NAMES;

export function fontFile(subset: (typeof FONT_SUBSETS)[number], name: FontName): string {
  const { weight, style } = FONT_NAMES[name];
  return `noto-sans-${subset}-${weight}-${style}.woff2`;
}

/** Every file the style may reference. */
export const FONT_FILES: string[] = Object.keys(FONT_NAMES).flatMap((name) =>
  FONT_SUBSETS.map((subset) => fontFile(subset, name as FontName)),
);
