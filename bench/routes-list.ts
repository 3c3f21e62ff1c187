/**
 * Route listing under load on local workerd: a device with 10 000 drives (3 segments each), 100 concurrent
 * clients, `GET /v1/devices/:d/routes_segments` (comma's official app) and `GET /api/v1/routes` (our app), each
 * for a fixed number of requests. Prints p50/p95/p99 and throughput. Goal: p95 ≤ 25 ms.
 * Requests go straight to the Worker's workerd socket (LocalServer.directBase), not through wrangler dev's proxy.
 * Env: ROUTES, CONCURRENCY, REQUESTS, THINK_MS, THINK_RUN_MS.
 * Indexes that serve these queries: routes(dongle_id, start_time_ms) and segments(dongle_id, log_id, number).
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../scripts/lib";
import { SimDevice } from "../test/device-sim/device";
import { startLocalServer } from "./local-server";

const ROUTES = Number(process.env.ROUTES ?? 10_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 100);
const REQUESTS = Number(process.env.REQUESTS ?? 2_000);
/** Mean pause of a client between its requests in the "with think time" runs (a person paging through drives). */
const THINK_MS = Number(process.env.THINK_MS ?? 1_000);
const THINK_RUN_MS = Number(process.env.THINK_RUN_MS ?? 15_000);

function seedSql(dongle: string): string {
  const lines: string[] = [];
  const base = 1_700_000_000_000;
  for (let i = 0; i < ROUTES; i += 200) {
    const routeValues: string[] = [];
    const segValues: string[] = [];
    for (let j = i; j < Math.min(i + 200, ROUTES); j++) {
      const log = `${j.toString(16).padStart(8, "0")}--${(j * 7919).toString(16).padStart(10, "0").slice(-10)}`;
      const start = base + j * 3_600_000;
      routeValues.push(`('${dongle}','${log}','${dongle}|${log}',${Math.floor(start / 1000)},${start},${start + 180_000},52.5,13.4,52.51,13.41,1.5,2,2,'0.10.3','TESLA_MODEL_3')`);
      for (let n = 0; n < 3; n++) segValues.push(`('${dongle}','${log}',${n},'done',1,1)`);
    }
    lines.push(`INSERT INTO routes (dongle_id, log_id, fullname, create_time, start_time_ms, end_time_ms, start_lat, start_lng, end_lat, end_lng, distance_miles, maxqlog, procqlog, version, platform) VALUES ${routeValues.join(",")};`);
    lines.push(`INSERT INTO segments (dongle_id, log_id, number, state, has_qlog, has_qcamera) VALUES ${segValues.join(",")};`);
  }
  return lines.join("\n");
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function load(label: string, urls: () => string, headers: Record<string, string>, concurrency = CONCURRENCY, requests = REQUESTS) {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      next++;
      const t0 = performance.now();
      const res = await fetch(urls(), { headers });
      const body = await res.text();
      latencies.push(performance.now() - t0);
      if (res.status !== 200 && errors++ === 0) console.log(`first error: ${res.status} ${body.slice(0, 200)}`);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} ${String(concurrency).padStart(3)} clients  p50 ${percentile(latencies, 50).toFixed(1).padStart(6)} ms  p95 ${percentile(latencies, 95).toFixed(1).padStart(6)} ms  p99 ${percentile(latencies, 99).toFixed(1).padStart(6)} ms  ${(requests / seconds).toFixed(0)} req/s  errors ${errors}`);
}

/** CONCURRENCY clients that each wait a random (exponential, mean THINK_MS) time between requests, for THINK_RUN_MS. */
async function loadWithThinkTime(label: string, urls: () => string, headers: Record<string, string>) {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + THINK_RUN_MS;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    await new Promise((r) => setTimeout(r, Math.random() * THINK_MS));
    while (performance.now() < until) {
      const t0 = performance.now();
      const res = await fetch(urls(), { headers });
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== 200) errors++;
      await new Promise((r) => setTimeout(r, -Math.log(1 - Math.random()) * THINK_MS));
    }
  }));
  latencies.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} ${String(CONCURRENCY).padStart(3)} clients, ${THINK_MS} ms think  p50 ${percentile(latencies, 50).toFixed(1).padStart(6)} ms  p95 ${percentile(latencies, 95).toFixed(1).padStart(6)} ms  p99 ${percentile(latencies, 99).toFixed(1).padStart(6)} ms  ${(latencies.length / (THINK_RUN_MS / 1000)).toFixed(0)} req/s  errors ${errors}`);
}

const server = await startLocalServer();
try {
  const reg = await fetch(`${server.base}/api/v1/auth/register`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: "bench@example.com", password: "Load-Test-Password-2026!" }),
  });
  const { access_token } = (await reg.json()) as { access_token: string };
  const auth = { Authorization: `JWT ${access_token}` };
  const device = await SimDevice.create({ api: server.base, keyKind: "ecdsa" });
  await device.register();
  await fetch(`${server.base}/v2/pilotpair/`, { method: "POST", headers: auth, body: new URLSearchParams({ pair_token: await device.pairToken() }) });
  const file = path.join(tmpdir(), `edge-bench-seed-${Date.now()}.sql`);
  writeFileSync(file, seedSql(device.dongleId!));
  const t0 = performance.now();
  run("npx", ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", server.persistDir, "--file", file], { stdio: "ignore" });
  console.log(`seeded ${ROUTES} routes (${ROUTES * 3} segments) in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${CONCURRENCY} concurrent clients, ${REQUESTS} requests each run\n`);

  const d = device.dongleId!;
  const now = Date.now();
  const base = await server.directBase();
  console.log(`requests go to the Worker's workerd socket ${base} (not through wrangler dev's proxy)\n`);
  // Warm-up: compile the Worker, fill caches.
  for (let i = 0; i < 20; i++) await (await fetch(`${base}/api/v1/routes?limit=10`, { headers: auth })).arrayBuffer();
  const mid = 1_700_000_000_000 + Math.floor(ROUTES / 2) * 3_600_000;
  const scenarios: [string, () => string][] = [
    ["routes_segments (newest 10, start/end window)", () => `${base}/v1/devices/${d}/routes_segments?start=0&end=${now}&limit=10`],
    ["routes_segments (one route_str)", () => `${base}/v1/devices/${d}/routes_segments?route_str=${encodeURIComponent(`${d}|${(Math.floor(Math.random() * ROUTES)).toString(16).padStart(8, "0")}--0000000000`)}`],
    ["/api/v1/routes (first page, 25)", () => `${base}/api/v1/routes?limit=25`],
    ["/api/v1/routes (deep cursor, 25)", () => `${base}/api/v1/routes?limit=25&cursor=${mid}:${Math.floor(ROUTES / 2)}`],
    ["/v1/devices/:d/routes (new-connect, 10)", () => `${base}/v1/devices/${d}/routes?limit=10`],
  ];
  // One client first: the time one request costs (service time). Then 100 clients as people use the app (a pause
  // between requests), and 100 clients with no pause at all: that last run measures one isolate's saturation
  // throughput, and its latency is just queueing (Little's law: latency = clients / throughput), which production
  // spreads over many isolates.
  for (const [label, url] of scenarios) await load(label, url, auth, 1, Math.min(REQUESTS, 300));
  console.log("");
  for (const [label, url] of scenarios) await loadWithThinkTime(label, url, auth);
  console.log("");
  for (const [label, url] of scenarios) await load(label, url, auth);
} finally {
  server.stop();
}
