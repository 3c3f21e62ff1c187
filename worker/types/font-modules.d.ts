// The woff2 files are bundled as binary "Data" modules (wrangler.jsonc "rules": type "Data", globs **/*.woff2).
// Declared per path, not as a "*.woff2" pattern, so this never clashes with what `wrangler types` generates.
declare module "@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff2" {
  const data: ArrayBuffer;
  export default data;
}
declare module "@fontsource/noto-sans/files/noto-sans-latin-ext-400-normal.woff2" {
  const data: ArrayBuffer;
  export default data;
}
declare module "@fontsource/noto-sans/files/noto-sans-cyrillic-400-normal.woff2" {
  const data: ArrayBuffer;
  export default data;
}
declare module "@fontsource/noto-sans/files/noto-sans-greek-400-normal.woff2" {
  const data: ArrayBuffer;
  export default data;
}
declare module "@fontsource/noto-sans/files/noto-sans-latin-500-normal.woff2" {
  const data: ArrayBuffer;
  export default data;
}
declare module "@fontsource/noto-sans/files/noto-sans-latin-ext-500-normal.woff2" {
  const data: ArrayBuffer;
  export default data;
}
declare module "@fontsource/noto-sans/files/noto-sans-cyrillic-500-normal.woff2" {
  const data: ArrayBuffer;
  export default data;
}
declare module "@fontsource/noto-sans/files/noto-sans-greek-500-normal.woff2" {
  const data: ArrayBuffer;
  export default data;
}
declare module "@fontsource/noto-sans/files/noto-sans-latin-400-italic.woff2" {
  const data: ArrayBuffer;
  export default data;
}
declare module "@fontsource/noto-sans/files/noto-sans-latin-ext-400-italic.woff2" {
  const data: ArrayBuffer;
  export default data;
}
declare module "@fontsource/noto-sans/files/noto-sans-cyrillic-400-italic.woff2" {
  const data: ArrayBuffer;
  export default data;
}
declare module "@fontsource/noto-sans/files/noto-sans-greek-400-italic.woff2" {
  const data: ArrayBuffer;
  export default data;
}
