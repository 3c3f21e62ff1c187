/**
 * worker-configuration.d.ts is generated from wrangler.jsonc by `npm run types` (wrangler types). A binding or var
 * added to the config without regenerating would leave `Env` stale; wrangler's own --check says whether it is.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("worker-configuration.d.ts", () => {
  it("is what `npm run types` generates from wrangler.jsonc", () => {
    const res = spawnSync("npm", ["run", "--silent", "types", "--", "--check"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    });
    expect(`${res.stdout}${res.stderr}`).toMatch(/up to date/);
    expect(res.status).toBe(0);
  });
});
