/**
 * `npm run bench:pwa-load [-- --runs 2]`: Worker invocations for a cold load of the PWA (fresh browser context: no
 * HTTP cache, no service worker; the service worker's install precache counted too), with every request routed to
 * the Worker first (`run_worker_first: true`, as before issue #12) and with wrangler.jsonc's narrower list (static
 * files served by Cloudflare without the Worker). Pages: the dashboard and a drive's page (map + video).
 * A request reached the Worker when its response carries the CORS header the Worker always sets
 * (test/browser/lib/cold-load.ts). Each config runs on its own `wrangler dev` with a synthetic drive.
 *
 * Measured 2026-12-04 (wrangler 4.164.0, median of 2 runs; requests / Worker invocations):
 *   dashboard   before 48 / 48   after 48 / 9   (39 static files without the Worker)
 *   route page  before 63 / 63   after 65 / 21  (44 static files without the Worker)
 * What still reaches the Worker is the page itself (twice: navigation and the service worker's precache of "/")
 * and the API calls.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, run } from "../scripts/lib";
import { launch } from "../test/browser/lib/browser";
import { coldLoad, summarize } from "../test/browser/lib/cold-load";
import { startServer } from "../test/browser/lib/server";
import { world } from "../test/browser/lib/world";

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf("--runs") + 1] || 2) || 2;

/** wrangler.jsonc with `run_worker_first: true`, next to it (the config's relative paths must still resolve). */
function everythingFirstConfig(): string {
  const source = readFileSync(path.join(ROOT, "wrangler.jsonc"), "utf8");
  const patched = source.replace(/"run_worker_first":\s*\[[^\]]*\]/, '"run_worker_first": true');
  if (patched === source) throw new Error("wrangler.jsonc has no run_worker_first list to replace");
  const file = path.join(ROOT, `.bench-run-worker-first-${process.pid}.jsonc`);
  writeFileSync(file, patched);
  return file;
}

let running: { stop(): void } | null = null;
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    running?.stop();
    process.exit(130);
  });

async function measure(label: string, config?: string) {
  const server = await startServer({ config });
  running = server;
  const browser = await launch();
  try {
    const { session, device, log } = await world(server.base);
    const pages = { dashboard: "/", "route page": `/routes/${device.dongleId}/${log}` };
    const rows: Record<string, ReturnType<typeof summarize>[]> = {};
    for (const [name, p] of Object.entries(pages)) {
      rows[name] = [];
      for (let i = 0; i < RUNS; i++)
        rows[name].push(summarize(await coldLoad(browser, server.base, { session, path: p })));
    }
    return { label, rows };
  } finally {
    await browser.close();
    server.stop();
    running = null;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!process.env.SKIP_WEB_BUILD)
  run("npm", ["run", "--silent", "build:web"], { stdio: ["ignore", "ignore", "inherit"] });
const before = everythingFirstConfig();
const results = [];
try {
  results.push(await measure("run_worker_first: true (before)", path.basename(before)));
} finally {
  rmSync(before, { force: true });
}
results.push(await measure("run_worker_first: [list] (wrangler.jsonc)"));

console.log(`\nCold PWA load, median of ${RUNS} runs (requests to our origin, service worker precache included)\n`);
console.log("config                                     page         requests  Worker invocations  static only");
for (const { label, rows } of results) {
  for (const [page, runs] of Object.entries(rows)) {
    const m = (k: "requests" | "workerInvocations" | "staticOnly") => String(median(runs.map((r) => r[k])));
    console.log(
      `${label.padEnd(43)}${page.padEnd(13)}${m("requests").padStart(8)}${m("workerInvocations").padStart(20)}${m("staticOnly").padStart(13)}`,
    );
  }
}
const after = results[1].rows;
console.log("\nWorker paths on the narrower config (dashboard, one run):");
for (const p of after.dashboard[0].workerPaths) console.log(`  ${p}`);
