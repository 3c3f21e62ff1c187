// Secrets are not in wrangler.jsonc, so `wrangler types` does not know them.
interface SecretBindings {
  JWT_SECRET: string;
  URL_SIGNING_SECRET: string;
}
// Optional switches, not in wrangler.jsonc: `--var OBSERVABILITY:off` (wrangler dev) turns the per-request logging and
// metrics middleware off, for the A/B CPU benchmark (bench/routes-list.ts with OBSERVABILITY=off).
interface OptionalVars {
  OBSERVABILITY?: string;
}
interface Env extends SecretBindings, OptionalVars {}
declare namespace Cloudflare {
  interface Env extends SecretBindings, OptionalVars {}
}
