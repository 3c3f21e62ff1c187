/**
 * The workerd test pool of vitest.config.ts (same bindings, same runtime), pointed at bench/workerd/*.workerd.ts:
 * benchmarks that must run inside workerd rather than Node. Run through bench/processing-workerd.ts.
 */
import path from "node:path";
import type { UserConfig } from "vitest/config";
import { defineConfig } from "vitest/config";
import base from "../../vitest.config";

const ROOT = path.resolve(import.meta.dirname, "../..");

export default defineConfig(async (env) => {
  const config = await (base as unknown as (e: typeof env) => Promise<UserConfig>)(env);
  return {
    ...config,
    root: ROOT,
    test: {
      ...config.test,
      include: ["bench/workerd/*.workerd.ts"],
      exclude: [],
      setupFiles: [],
      testTimeout: 300_000,
    },
  };
});
