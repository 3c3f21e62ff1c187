// Secrets are not in wrangler.jsonc, so `wrangler types` does not know them.
interface SecretBindings {
  JWT_SECRET: string;
  URL_SIGNING_SECRET: string;
}
interface Env extends SecretBindings {}
declare namespace Cloudflare {
  interface Env extends SecretBindings {}
}
