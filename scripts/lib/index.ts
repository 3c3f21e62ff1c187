/** Helpers for the project's Node-side scripts (dev server, seeding, benches). Run with tsx on Node 22. */
import { spawn, spawnSync, type SpawnOptions } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const OFFLINE_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

export function run(cmd: string, args: string[], opts: SpawnOptions = {}): void {
  const res = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT, env: OFFLINE_ENV, ...opts });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${res.status}`);
}

export function start(cmd: string, args: string[], opts: SpawnOptions = {}) {
  return spawn(cmd, args, { stdio: "inherit", cwd: ROOT, env: OFFLINE_ENV, detached: true, ...opts });
}

/**
 * Local settings for `wrangler dev` only: random secrets per checkout, never committed (.dev.vars is gitignored),
 * and open registration (wrangler.jsonc closes it for deployed servers; the demo account needs it open).
 * A value already in the file is kept, so `ENABLE_REGISTRATION=false` there tries a closed server locally.
 */
export function ensureDevVars(): void {
  const file = path.join(ROOT, ".dev.vars");
  const existing = existsSync(file) ? readFileSync(file, "utf8") : "";
  const lines = [existing.trimEnd()];
  for (const name of ["JWT_SECRET", "URL_SIGNING_SECRET"]) {
    if (!new RegExp(`^${name}=`, "m").test(existing)) lines.push(`${name}=${randomBytes(32).toString("hex")}`);
  }
  if (!/^ENABLE_REGISTRATION=/m.test(existing)) lines.push("ENABLE_REGISTRATION=true");
  const next = lines.filter(Boolean).join("\n") + "\n";
  if (next !== existing) writeFileSync(file, next);
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}
