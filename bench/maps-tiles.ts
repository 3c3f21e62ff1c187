/**
 * `npx tsx bench/maps-tiles.ts [--config wrangler.jsonc] [--base http://127.0.0.1:8787]`: tile-serving latency of
 * the real Worker on local workerd (`wrangler dev`), p50/p95/p99 per phase.
 * - cold: first request of each tile (R2 range read + gunzip; header/directories already cached after the first).
 * - warm: the same tiles again (Cache API hit, or the module-scope LRU).
 * - concurrent: warm tiles, 8 requests in flight, for throughput.
 * Without --base it starts its own `wrangler dev` on a throw-away state directory holding tiles/build/world.pmtiles
 * (built if missing). Only loopback traffic; bounded request counts.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { OFFLINE_ENV, ROOT, ensureDevVars, run, waitForHttp } from "../scripts/lib";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ARCHIVE = path.join(ROOT, "tiles", "build", "world.pmtiles");

async function startServer(config: string | undefined): Promise<{ base: string; stop: () => void }> {
  if (!existsSync(ARCHIVE)) run("npx", ["tsx", "tiles/build-world.ts"]);
  const persist = mkdtempSync(path.join(tmpdir(), "edge-maps-bench-"));
  const cfg = config ? ["--config", config] : [];
  ensureDevVars();
  run(
    "npx",
    [
      "wrangler",
      "r2",
      "object",
      "put",
      "edge-connect-media/maps/world.pmtiles",
      "--file",
      ARCHIVE,
      "--local",
      "--persist-to",
      persist,
      ...cfg,
    ],
    { stdio: "ignore", env: { ...OFFLINE_ENV, CI: "true" } },
  );
  const port = 8900 + Math.floor(Math.random() * 90);
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      ...cfg,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      persist,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    { cwd: ROOT, env: OFFLINE_ENV, detached: true, stdio: ["ignore", "ignore", "inherit"] },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(base, 90_000);
  return {
    base,
    stop: () => {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* gone */
      }
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

/** Every tile of z0–3 plus a fixed pseudo-random sample of z4–6 (deterministic, so runs compare). */
function tileList(): string[] {
  const out: string[] = [];
  for (let z = 0; z <= 3; z++)
    for (let x = 0; x < 2 ** z; x++) for (let y = 0; y < 2 ** z; y++) out.push(`${z}/${x}/${y}`);
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 240; i++) {
    const z = 4 + (i % 3);
    out.push(`${z}/${Math.floor(rand() * 2 ** z)}/${Math.floor(rand() * 2 ** z)}`);
  }
  return [...new Set(out)];
}

async function timed(url: string): Promise<{ ms: number; status: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(url);
  const bytes = (await res.arrayBuffer()).byteLength;
  return { ms: performance.now() - t0, status: res.status, bytes };
}

function summary(name: string, samples: { ms: number; status: number; bytes: number }[], wallMs?: number): string {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(2);
  const statuses = [...new Set(samples.map((s) => s.status))].join("/");
  const kib = (samples.reduce((n, s) => n + s.bytes, 0) / 1024).toFixed(0);
  const rps = wallMs ? `  ${(samples.length / (wallMs / 1000)).toFixed(0)} req/s` : "";
  return `${name.padEnd(22)} n=${String(samples.length).padEnd(4)} p50 ${q(0.5).padStart(6)} ms  p95 ${q(0.95).padStart(6)} ms  p99 ${q(0.99).padStart(6)} ms  status ${statuses}  ${kib} KiB${rps}`;
}

const given = flag("--base");
const server = given ? { base: given.replace(/\/+$/, ""), stop: () => {} } : await startServer(flag("--config"));
try {
  const tiles = tileList().map((t) => `${server.base}/api/v1/maps/tiles/${t}.mvt`);
  const first = await timed(`${server.base}/api/v1/maps/tiles.json`); // opens the archive: header + root directory
  if (first.status !== 200)
    throw new Error(`tiles.json answered ${first.status}: is the maps router mounted and the archive loaded?`);

  const cold = [];
  for (const url of tiles) cold.push(await timed(url));
  const warm = [];
  for (let round = 0; round < 3; round++) for (const url of tiles) warm.push(await timed(url));

  const concurrent: Awaited<ReturnType<typeof timed>>[] = [];
  const queue = [...tiles, ...tiles];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let url = queue.shift(); url; url = queue.shift()) concurrent.push(await timed(url));
    }),
  );
  const wall = performance.now() - t0;

  // Calibration: an unrouted API path (JSON 404) is the cost of wrangler dev's proxy + Hono + middleware alone.
  const baseline = [];
  for (let i = 0; i < 100; i++) baseline.push(await timed(`${server.base}/api/v1/maps/nothing-here`));
  const style = [];
  for (let i = 0; i < 50; i++)
    style.push(await timed(`${server.base}/api/v1/maps/style.json?theme=${i % 2 ? "dark" : "light"}`));

  console.log(`maps tile serving on local workerd (${server.base}), ${tiles.length} distinct tiles z0–6`);
  console.log(summary("baseline (404 JSON)", baseline));
  console.log(summary("tile cold (R2)", cold));
  console.log(summary("tile warm (cached)", warm));
  console.log(summary("tile warm, 8 parallel", concurrent, wall));
  console.log(summary("style.json", style));
} finally {
  server.stop();
}
