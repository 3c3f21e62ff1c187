import { readFile } from "node:fs/promises";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The real route in ../shared/fixtures/real (personal data without a licence: read at run time, never copied).
const REAL_DIR = path.resolve(import.meta.dirname, "../shared/fixtures/real");

/** Node-side handler of the REAL_FIXTURES service binding: GET http://fixtures/<route>/<file> → the file, or 404. */
async function serveRealFixture(request: Request): Promise<Response> {
  const rel = decodeURIComponent(new URL(request.url).pathname);
  const file = path.resolve(REAL_DIR, "." + rel);
  if (!file.startsWith(REAL_DIR + path.sep)) return new Response("forbidden", { status: 403 });
  try {
    return new Response(await readFile(file));
  } catch {
    return new Response("not found", { status: 404 });
  }
}

// Every test file runs inside workerd against real D1/R2/DO/Queue bindings from wrangler.jsonc.
export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        bindings: {
          // Test-only binding, so the setup file can apply the real migrations to the test D1.
          TEST_MIGRATIONS: await readD1Migrations(path.join(import.meta.dirname, "migrations")),
          JWT_SECRET: "test-jwt-secret-not-for-production",
          URL_SIGNING_SECRET: "test-url-signing-secret-not-for-production",
          // Open sign-up (wrangler.jsonc ships "false"): most tests create accounts freely; the first one is admin.
          // Closed registration is tested by passing an env with "false" (test/invites.test.ts).
          ENABLE_REGISTRATION: "true",
          // A web app origin that CORS and the sign-in redirect accept in tests.
          ALLOWED_ORIGINS: "https://app.example",
          // Absolute path of ../shared/fixtures/real when present (CI has it), read by the exactness tests.
          SHARED_FIXTURES: "",
        },
        // Exactness tests fetch the real fixture files through this (workerd has no filesystem); 404 → they skip.
        serviceBindings: { REAL_FIXTURES: serveRealFixture },
      },
    }),
  ],
  test: {
    include: ["worker/**/*.test.ts", "durable-objects/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["test/browser/**", "test/node/**", "node_modules/**"],
    setupFiles: ["./test/setup/apply-migrations.ts"],
    testTimeout: 30_000,
    // Every request writes one JSON log line (worker/observability/request-log.ts): printed, they would bury the
    // output of the tests. test/observability-logs.test.ts captures and checks them.
    onConsoleLog: (log: string) => !log.startsWith('{"ts":'),
    // No retries: the "rare 401 on a fresh account or device" was pair tokens whose signature holds "--" being cut
    // apart by the legacy-form parser (test/security/pair-token-dashes.test.ts), not a race.
  },
}));
