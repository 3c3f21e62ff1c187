/**
 * Browser suite: Playwright (playwright-core) driving Debian Chromium against a real `wrangler dev` that the global
 * setup starts with a throw-away state directory. Node environment; files run one after another (2-core CI).
 */
import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: path.resolve(import.meta.dirname, "../.."),
  test: {
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/browser/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
