/**
 * Route listing under load on local workerd: a device with 10 000 drives (3 segments each) and
 * `GET /v1/devices/:d/routes_segments` (comma's official app), `/v1/devices/:d/routes` (new-connect, our PWA) and
 * `GET /api/v1/routes` (our API), each under three load shapes:
 *   - 1 client: what one request costs (service time);
 *   - 100 clients that pause between requests (exponential, mean THINK_MS = 1 s): people paging through drives;
 *   - 100 clients without any pause: the isolate's saturation throughput, where latency is queueing alone
 *     (Little's law: latency = clients / throughput). Also prints workerd CPU per request (from /proc).
 * Goal of issue #5: p95 ≤ 25 ms at 100 concurrent clients.
 * Two floors are measured the same way first, so the numbers can be read against what this machine allows: a
 * calibration Worker that does nothing (bench/calibration) and `GET /v1/me/` (token check + one D1 read).
 * Requests go straight to the Worker's workerd socket (LocalServer.directBase), not through wrangler dev's proxy.
 * Env: ROUTES, CONCURRENCY, REQUESTS, THINK_MS, THINK_RUN_MS; ONLY (a regex on the labels: run only those lists, the
 * /v1/me floor always runs); OBSERVABILITY=off runs the Worker without its logging + metrics middleware, for an A/B
 * measurement of what that middleware costs (worker/observability/request-log.ts).
 * Indexes that serve these queries: routes(dongle_id, start_time_ms), routes(dongle_id, create_time) and
 * segments(dongle_id, log_id, number); test/route-list-plans.test.ts checks every list shape seeks them in order.
 * Each list is one prepared statement (services/drives/lists.ts) that also reads the caller's user, device and share.
 * The last block reads each list against GET /v1/me/ measured in the same run: what the list adds to the cheapest
 * authenticated D1 request, which is the part this code controls.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, run } from "../scripts/lib";
import { SimDevice } from "../test/device-sim/device";
import { type LocalServer, startLocalServer } from "./local-server";

const ROUTES = Number(process.env.ROUTES ?? 10_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 100);
const REQUESTS = Number(process.env.REQUESTS ?? 2_000);
const THINK_MS = Number(process.env.THINK_MS ?? 1_000);
const THINK_RUN_MS = Number(process.env.THINK_RUN_MS ?? 15_000);
const ONLY = process.env.ONLY ? new RegExp(process.env.ONLY) : null;
const OBSERVABILITY = process.env.OBSERVABILITY;

function seedSql(dongle: string): string {
  const lines: string[] = [];
  const base = 1_700_000_000_000;
  for (let i = 0; i < ROUTES; i += 200) {
    const routeValues: string[] = [];
    const segValues: string[] = [];
    for (let j = i; j < Math.min(i + 200, ROUTES); j++) {
      const log = `${j.toString(16).padStart(8, "0")}--${(j * 7919).toString(16).padStart(10, "0").slice(-10)}`;
      const start = base + j * 3_600_000;
      routeValues.push(
        `('${dongle}','${log}','${dongle}|${log}',${Math.floor(start / 1000)},${start},${start + 180_000},52.5,13.4,52.51,13.41,1.5,2,2,'0.10.3','TESLA_MODEL_3')`,
      );
      for (let n = 0; n < 3; n++) segValues.push(`('${dongle}','${log}',${n},'done',1,1)`);
    }
    lines.push(
      `INSERT INTO routes (dongle_id, log_id, fullname, create_time, start_time_ms, end_time_ms, start_lat, start_lng, end_lat, end_lng, distance_miles, maxqlog, procqlog, version, platform) VALUES ${routeValues.join(",")};`,
    );
    lines.push(
      `INSERT INTO segments (dongle_id, log_id, number, state, has_qlog, has_qcamera) VALUES ${segValues.join(",")};`,
    );
  }
  return lines.join("\n");
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (v: number) => v.toFixed(1).padStart(6);
const pcts = (l: number[]) => `${ms(percentile(l, 50))} ${ms(percentile(l, 95))} ${ms(percentile(l, 99))}`;

interface Scenario {
  label: string;
  url: () => string;
  headers: Record<string, string>;
}

/** `clients` closed-loop clients sending `requests` requests in all. */
async function closedLoop(s: Scenario, clients: number, requests: number) {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        next++;
        const t0 = performance.now();
        const res = await fetch(s.url(), { headers: s.headers });
        const body = await res.text();
        latencies.push(performance.now() - t0);
        if (res.status >= 400 && res.status !== 404 && errors++ === 0)
          console.log(`  first error: ${res.status} ${body.slice(0, 200)}`);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { latencies, perSecond: requests / ((performance.now() - started) / 1000), errors };
}

/** CONCURRENCY clients that each pause (exponential, mean THINK_MS) between requests, for THINK_RUN_MS. */
async function withThinkTime(s: Scenario) {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + THINK_RUN_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      await new Promise((r) => setTimeout(r, Math.random() * THINK_MS));
      while (performance.now() < until) {
        const t0 = performance.now();
        const res = await fetch(s.url(), { headers: s.headers });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (res.status >= 400 && res.status !== 404) errors++;
        await new Promise((r) => setTimeout(r, -Math.log(1 - Math.random()) * THINK_MS));
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { latencies, perSecond: latencies.length / (THINK_RUN_MS / 1000), errors };
}

interface Measured {
  label: string;
  thinkP95: number;
  cpuPerRequest: number;
}

async function measure(server: LocalServer, s: Scenario): Promise<Measured> {
  for (let i = 0; i < 30; i++) await (await fetch(s.url(), { headers: s.headers })).arrayBuffer();
  const one = await closedLoop(s, 1, Math.min(REQUESTS, 300));
  const think = await withThinkTime(s);
  const cpu0 = server.workerdCpuMs();
  const full = await closedLoop(s, CONCURRENCY, REQUESTS);
  const cpuPerRequest = (server.workerdCpuMs() - cpu0) / REQUESTS;
  const errors = one.errors + think.errors + full.errors;
  console.log(
    `${s.label.padEnd(40)} ${pcts(one.latencies)} │ ${pcts(think.latencies)} ${think.perSecond.toFixed(0).padStart(5)} │ ${pcts(full.latencies)} ${full.perSecond.toFixed(0).padStart(5)} ${cpuPerRequest.toFixed(2).padStart(6)}${errors ? `  errors ${errors}` : ""}`,
  );
  return { label: s.label, thinkP95: percentile(think.latencies, 95), cpuPerRequest };
}

function againstFloor(floor: Measured, lists: Measured[]) {
  const signed = (v: number) => `${v >= 0 ? "+" : ""}${v.toFixed(2)}`.padStart(7);
  console.log(
    `\nagainst ${floor.label} in this run (think p95 ${floor.thinkP95.toFixed(1)} ms, CPU ${floor.cpuPerRequest.toFixed(2)} ms/req):`,
  );
  console.log(`${"".padEnd(40)} ${"CPU ms/req".padStart(10)} ${"think p95".padStart(10)}`);
  for (const m of lists)
    console.log(
      `${m.label.padEnd(40)} ${signed(m.cpuPerRequest - floor.cpuPerRequest).padStart(10)} ${signed(m.thinkP95 - floor.thinkP95).padStart(10)}`,
    );
}

function header() {
  console.log(
    `${"".padEnd(40)} ${"1 client".padEnd(20)} │ ${`${CONCURRENCY} clients, ${THINK_MS} ms think`.padEnd(26)} │ ${CONCURRENCY} clients, no pause`,
  );
  console.log(
    `${"(ms)".padEnd(40)} ${"p50    p95    p99".padStart(20)} │ ${"p50    p95    p99 req/s".padStart(26)} │ ${"p50    p95    p99 req/s CPU/req".padStart(33)}`,
  );
}

console.log(
  `${OBSERVABILITY ? `OBSERVABILITY=${OBSERVABILITY}; ` : ""}route lists on local workerd: ${ROUTES} routes (${ROUTES * 3} segments) on one device; ${REQUESTS} requests per no-pause run, ${THINK_RUN_MS / 1000} s per think-time run\n`,
);
header();

// Floor 1: a Worker that does nothing.
const calibration = await startLocalServer({ config: path.join(ROOT, "bench/calibration/wrangler.toml") });
try {
  const base = await calibration.directBase();
  await measure(calibration, { label: "floor: calibration Worker (no work)", url: () => `${base}/`, headers: {} });
} finally {
  calibration.stop();
}

const server = await startLocalServer(OBSERVABILITY ? { vars: { OBSERVABILITY } } : {});
try {
  const reg = await fetch(`${server.base}/api/v1/auth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "bench@example.com", password: "Load-Test-Password-2026!" }),
  });
  const { access_token } = (await reg.json()) as { access_token: string };
  const auth = { Authorization: `JWT ${access_token}` };
  const device = await SimDevice.create({ api: server.base, keyKind: "ecdsa" });
  await device.register();
  await fetch(`${server.base}/v2/pilotpair/`, {
    method: "POST",
    headers: auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  const file = path.join(tmpdir(), `edge-bench-seed-${Date.now()}.sql`);
  writeFileSync(file, seedSql(device.dongleId!));
  run("npx", ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", server.persistDir, "--file", file], {
    stdio: "ignore",
  });

  const d = device.dongleId!;
  const now = Date.now();
  const base = await server.directBase();
  const mid = 1_700_000_000_000 + Math.floor(ROUTES / 2) * 3_600_000;
  const randomLog = () =>
    `${Math.floor(Math.random() * ROUTES)
      .toString(16)
      .padStart(8, "0")}--0000000000`;
  const scenarios: Scenario[] = [
    { label: "floor: GET /v1/me/ (token + 1 D1 read)", url: () => `${base}/v1/me/`, headers: auth },
    {
      label: "routes_segments (newest 10, start/end)",
      url: () => `${base}/v1/devices/${d}/routes_segments?start=0&end=${now}&limit=10`,
      headers: auth,
    },
    {
      label: "routes_segments (one route_str)",
      url: () => `${base}/v1/devices/${d}/routes_segments?route_str=${encodeURIComponent(`${d}|${randomLog()}`)}`,
      headers: auth,
    },
    { label: "/v1/devices/:d/routes (PWA, 10)", url: () => `${base}/v1/devices/${d}/routes?limit=10`, headers: auth },
    {
      label: "/api/v1/routes?dongle_id (first 25)",
      url: () => `${base}/api/v1/routes?limit=25&dongle_id=${d}`,
      headers: auth,
    },
    { label: "/api/v1/routes (all devices, first 25)", url: () => `${base}/api/v1/routes?limit=25`, headers: auth },
    {
      label: "/api/v1/routes (all devices, deep cursor)",
      url: () => `${base}/api/v1/routes?limit=25&cursor=${mid}:${Math.floor(ROUTES / 2)}`,
      headers: auth,
    },
  ];
  const results: Measured[] = [];
  for (const [i, s] of scenarios.entries())
    if (i === 0 || !ONLY || ONLY.test(s.label)) results.push(await measure(server, s));
  againstFloor(results[0], results.slice(1));
} finally {
  server.stop();
}
