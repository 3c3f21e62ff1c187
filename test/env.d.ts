// Test-only bindings added in vitest.config.ts.
interface TestBindings {
  TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  SHARED_FIXTURES: string;
}
declare namespace Cloudflare {
  interface Env extends TestBindings {}
}
