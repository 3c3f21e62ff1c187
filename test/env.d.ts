// Test-only bindings added in vitest.config.ts.
interface TestBindings {
  TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  SHARED_FIXTURES: string;
  /** Serves ../shared/fixtures/real (vitest.config.ts); 404 when absent. */
  REAL_FIXTURES: Fetcher;
}
declare namespace Cloudflare {
  interface Env extends TestBindings {}
}
