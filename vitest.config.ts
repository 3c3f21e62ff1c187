import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Every test file runs inside workerd against real D1/R2/DO/Queue bindings from wrangler.toml.
export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          // Test-only binding, so the setup file can apply the real migrations to the test D1.
          TEST_MIGRATIONS: await readD1Migrations(path.join(import.meta.dirname, "migrations")),
          JWT_SECRET: "test-jwt-secret-not-for-production",
          URL_SIGNING_SECRET: "test-url-signing-secret-not-for-production",
          // Absolute path of ../shared/fixtures/real when present (CI has it), read by the exactness tests.
          SHARED_FIXTURES: "",
        },
      },
    }),
  ],
  test: {
    include: ["worker/**/*.test.ts", "durable-objects/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["test/browser/**", "node_modules/**"],
    setupFiles: ["./test/setup/apply-migrations.ts"],
    testTimeout: 30_000,
  },
}));
