/**
 * Node-side suite: the command-line tools (setup, admin, backup, maps:region, benches' helpers) run as processes
 * against fakes on PATH, local HTTP servers and wrangler's local state. Node environment, not workerd.
 */
import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: path.resolve(import.meta.dirname, "../.."),
  test: {
    include: ["test/node/**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
