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

// Vite's raw imports (a file's text), e.g. web/public/_headers in test/security-headers.test.ts.
declare module "*?raw" {
  const text: string;
  export default text;
}
