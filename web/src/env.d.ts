/// <reference types="vite/client" />
// hls.js ships no declarations for its "./light" entry: same API as the full build, minus subtitles/EME/alt audio.
declare module "hls.js/light" {
  export { default } from "hls.js";
  export * from "hls.js";
}
