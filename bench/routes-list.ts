/**
 * Route listing under load on local workerd: a device with 10 000 drives (3 segments each), 100 concurrent
 * clients, `GET /v1/devices/:d/routes_segments` (comma's official app) and `GET /api/v1/routes` (our app), each
 * for a fixed number of requests. Prints p50/p95/p99 and throughput. Goal: p95 ≤ 25 ms.
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

async function load(label: string, urls: () => string, headers: Record<string, string>) {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) {
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
  console.log(`${label.padEnd(44)} p50 ${percentile(latencies, 50).toFixed(1).padStart(6)} ms  p95 ${percentile(latencies, 95).toFixed(1).padStart(6)} ms  p99 ${percentile(latencies, 99).toFixed(1).padStart(6)} ms  ${(REQUESTS / seconds).toFixed(0)} req/s  errors ${errors}`);
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
  // Warm-up: compile the Worker, fill caches.
  for (let i = 0; i < 20; i++) await (await fetch(`${server.base}/api/v1/routes?limit=10`, { headers: auth })).arrayBuffer();
  await load("routes_segments (newest 10, start/end window)", () => `${server.base}/v1/devices/${d}/routes_segments?start=0&end=${now}&limit=10`, auth);
  await load("routes_segments (one route_str)", () => `${server.base}/v1/devices/${d}/routes_segments?route_str=${encodeURIComponent(`${d}|${(Math.floor(Math.random() * ROUTES)).toString(16).padStart(8, "0")}--0000000000`)}`, auth);
  await load("/api/v1/routes (first page, 25)", () => `${server.base}/api/v1/routes?limit=25`, auth);
  const mid = 1_700_000_000_000 + Math.floor(ROUTES / 2) * 3_600_000;
  await load("/api/v1/routes (deep cursor, 25)", () => `${server.base}/api/v1/routes?limit=25&cursor=${mid}:${Math.floor(ROUTES / 2)}`, auth);
  await load("/v1/devices/:d/routes (new-connect, 10)", () => `${server.base}/v1/devices/${d}/routes?limit=10`, auth);
} finally {
  server.stop();
}
