/**
 * Runs SQL on the D1 database through `wrangler d1 execute DB --json`: the local state of `npm run dev` (or another
 * `--persist-to` directory) or, with `remote`, the deployed database. wrangler takes no bound parameters, so the SQL
 * comes from the builders in admin-sql.ts, which quote every value with `lit`.
 */
import { spawnSync } from "node:child_process";
import { OFFLINE_ENV, ROOT } from ".";

export interface D1Target {
  remote: boolean;
  /** Local state directory (wrangler's --persist-to); default .wrangler/state, the one `npm run dev` uses. */
  persistTo?: string;
}

export class D1Error extends Error {}

/** One result set per statement, in order. */
export function d1Execute(target: D1Target, sql: string): Record<string, unknown>[][] {
  const args = ["wrangler", "d1", "execute", "DB", target.remote ? "--remote" : "--local", "--json", "--command", sql];
  if (!target.remote && target.persistTo) args.push("--persist-to", target.persistTo);
  const res = spawnSync("npx", args, {
    cwd: ROOT,
    env: { ...OFFLINE_ENV, CI: "true" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = res.stdout ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.slice(Math.max(0, out.search(/[[{]/))));
  } catch {
    throw new D1Error(`wrangler d1 execute failed (exit ${res.status}): ${(res.stderr || out).trim().slice(-2000)}`);
  }
  const error = (parsed as { error?: { text?: string } }).error;
  if (error || res.status !== 0 || !Array.isArray(parsed))
    throw new D1Error(`wrangler d1 execute failed: ${error?.text ?? (res.stderr || out).trim().slice(-2000)}`);
  return (parsed as { results?: Record<string, unknown>[] }[]).map((r) => r.results ?? []);
}
