/**
 * The woff2 files the map style declares in `font-faces` (list: tiles/fonts.ts), bundled into the Worker as binary
 * modules so fonts work on a fresh deploy with nothing uploaded and nothing fetched at run time (~270 KB total).
 * Bundling needs a wrangler.jsonc `rules` entry of type "Data" whose glob matches .woff2 files.
 */
import noto_latin_400_normal from "@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff2";
import noto_latin_ext_400_normal from "@fontsource/noto-sans/files/noto-sans-latin-ext-400-normal.woff2";
import noto_cyrillic_400_normal from "@fontsource/noto-sans/files/noto-sans-cyrillic-400-normal.woff2";
import noto_greek_400_normal from "@fontsource/noto-sans/files/noto-sans-greek-400-normal.woff2";
import noto_latin_500_normal from "@fontsource/noto-sans/files/noto-sans-latin-500-normal.woff2";
import noto_latin_ext_500_normal from "@fontsource/noto-sans/files/noto-sans-latin-ext-500-normal.woff2";
import noto_cyrillic_500_normal from "@fontsource/noto-sans/files/noto-sans-cyrillic-500-normal.woff2";
import noto_greek_500_normal from "@fontsource/noto-sans/files/noto-sans-greek-500-normal.woff2";
import noto_latin_400_italic from "@fontsource/noto-sans/files/noto-sans-latin-400-italic.woff2";
import noto_latin_ext_400_italic from "@fontsource/noto-sans/files/noto-sans-latin-ext-400-italic.woff2";
import noto_cyrillic_400_italic from "@fontsource/noto-sans/files/noto-sans-cyrillic-400-italic.woff2";
import noto_greek_400_italic from "@fontsource/noto-sans/files/noto-sans-greek-400-italic.woff2";

const FONTS: Record<string, ArrayBuffer> = {
  "noto-sans-latin-400-normal.woff2": noto_latin_400_normal,
  "noto-sans-latin-ext-400-normal.woff2": noto_latin_ext_400_normal,
  "noto-sans-cyrillic-400-normal.woff2": noto_cyrillic_400_normal,
  "noto-sans-greek-400-normal.woff2": noto_greek_400_normal,
  "noto-sans-latin-500-normal.woff2": noto_latin_500_normal,
  "noto-sans-latin-ext-500-normal.woff2": noto_latin_ext_500_normal,
  "noto-sans-cyrillic-500-normal.woff2": noto_cyrillic_500_normal,
  "noto-sans-greek-500-normal.woff2": noto_greek_500_normal,
  "noto-sans-latin-400-italic.woff2": noto_latin_400_italic,
  "noto-sans-latin-ext-400-italic.woff2": noto_latin_ext_400_italic,
  "noto-sans-cyrillic-400-italic.woff2": noto_cyrillic_400_italic,
  "noto-sans-greek-400-italic.woff2": noto_greek_400_italic,
};

export function mapFont(file: string): ArrayBuffer | null {
  return Object.hasOwn(FONTS, file) ? FONTS[file] : null;
}
