/**
 * The PWA build: SolidJS + Vite into web/dist, which wrangler serves as static assets (SPA fallback).
 * Two small plugins of our own: the service worker (needs the final asset list) and the bundle budget.
 */
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";
import { bundleBudget } from "./build/bundle-budget.ts";
import { serviceWorker } from "./build/service-worker.ts";

// Vite derives "production" from NODE_ENV, which test runners set to "test": that would build Solid's dev
// runtime. A build is always a production build.
if (process.argv.includes("build")) process.env.NODE_ENV = "production";

export default defineConfig({
  root: import.meta.dirname,
  publicDir: "public",
  plugins: [solid(), serviceWorker(), bundleBudget({ limitKb: 150 })],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Modulepreload links for lazy chunks would defeat the point of lazy-loading maplibre and hls.js.
    modulePreload: { resolveDependencies: (_file, deps, ctx) => (ctx.hostType === "html" ? deps : []) },
    chunkSizeWarningLimit: 1200,
  },
});
