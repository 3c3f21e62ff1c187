/**
 * What one device costs per month on Cloudflare, from one simulated device-day:
 *   - 1 h of driving: 60 one-minute segments, each a qlog + qcamera uploaded the way openpilot's uploader does it
 *     (GET upload_url, PUT), then processed by the queue consumer;
 *   - 24 h of athena: the hibernating socket's keepalive (durable-objects/keepalive.ts, docs/athena.md);
 *   - a user viewing the 3 drives of that hour in the PWA.
 * The driving and viewing parts run the real Worker inside workerd with counting bindings
 * (bench/workerd/cost-day.workerd.ts): D1 rows from each result's meta, R2 class A/B calls, queue messages, DO
 * requests, Analytics Engine data points. Athena is computed from the keepalive design's constants (a socket that
 * stays open all day cannot be simulated in seconds), including the Durable Object's own storage rows written
 * (SQLite-backed DO storage is billed; every setAlarm counts as one row). CPU: wall time of each request in local workerd, an upper
 * bound (it includes local D1/R2 I/O). Run: `npm run bench:cost`.
 */
import { runWorkerdBench } from "./workerd/run";
import { KEEPALIVE_INTERVAL_MS } from "../durable-objects/keepalive";
import { PING_WRITE_INTERVAL_S } from "../durable-objects/presence";
import { FLUSH_INTERVAL_MS } from "../worker/observability/buffer";

/**
 * Cloudflare list prices, Workers Paid plan, as published on developers.cloudflare.com (pricing pages of Workers,
 * D1, R2, Durable Objects, Queues, Analytics Engine), read 2026-12-04. Included = monthly allowance of the account.
 */
const PRICES = {
  date: "2026-12-04",
  base: { usdPerMonth: 5 },
  workerRequests: { included: 10e6, usdPerMillion: 0.3 },
  workerCpuMs: { included: 30e6, usdPerMillion: 0.02 },
  d1RowsRead: { included: 25e9, usdPerMillion: 0.001 },
  d1RowsWritten: { included: 50e6, usdPerMillion: 1.0 },
  d1StorageGbMonth: { included: 5, usd: 0.75 },
  r2ClassA: { included: 1e6, usdPerMillion: 4.5 },
  r2ClassB: { included: 10e6, usdPerMillion: 0.36 },
  r2StorageGbMonth: { included: 10, usd: 0.015 },
  doRequests: { included: 1e6, usdPerMillion: 0.15 },
  doGbSeconds: { included: 400_000, usdPerMillion: 12.5 },
  // SQLite-backed DO storage, billed since January 2026: "Each setAlarm() is billed as a single row written",
  // "Deletes are counted as rows written" (DO pricing page).
  doRowsWritten: { included: 50e6, usdPerMillion: 1.0 },
  queueOps: { included: 1e6, usdPerMillion: 0.4 },
  aeDataPoints: { included: 10e6, usdPerMillion: 0.25 },
} as const;
const DO_MEMORY_GB = 0.125; // 128 MB, what DO duration is billed at
const QUEUE_OPS_PER_MESSAGE = 3; // write, read, delete
const WS_MESSAGES_PER_BILLED_REQUEST = 20; // incoming WebSocket messages are billed 20:1
const DAYS = 30;

/** Athena for 24 h, from the keepalive design. Wake times are assumptions (marked), not measurements. */
const ATHENA = {
  connectsPerDay: 6, // ignition cycles and network changes
  alarmWallMs: 2, // assumed: keepalive alarm sends one frame, re-arms one timer (SQLite)
  replyWallMs: 2, // assumed: parse the echo reply
  presenceWriteWallMs: 20, // assumed: one awaited D1 UPDATE from the DO
  connectWallMs: 30, // assumed: accept, presence write, deliver queued calls
  // The object's own storage (rows written), counted from durable-objects/: a keepalive wake writes no SQLite row
  // (test/athena-socket.test.ts pins it) but re-arms the alarm, billed as one row; a connect writes presence meta (2)
  // and arms the alarm; a disconnect writes meta (1) and deletes the alarm; a lease refresh writes meta (1).
  doRowsPerKeepalive: 1,
  doRowsPerConnectCycle: 5,
  doRowsPerLeaseRefresh: 1,
};

function athenaDay() {
  const keepalives = (24 * 3600 * 1000) / KEEPALIVE_INTERVAL_MS;
  const presenceWrites = (24 * 3600) / PING_WRITE_INTERVAL_S;
  const doRequests =
    keepalives + // each alarm invocation is a request
    keepalives / WS_MESSAGES_PER_BILLED_REQUEST + // the device's echo replies
    ATHENA.connectsPerDay; // the upgrade forwarded to the DO
  const activeMs =
    keepalives * (ATHENA.alarmWallMs + ATHENA.replyWallMs) +
    presenceWrites * ATHENA.presenceWriteWallMs +
    ATHENA.connectsPerDay * ATHENA.connectWallMs;
  return {
    workerRequests: ATHENA.connectsPerDay, // the WebSocket upgrade through the Worker
    workerCpuMs: ATHENA.connectsPerDay * 3,
    d1RowsRead: presenceWrites + ATHENA.connectsPerDay * 3, // UPDATE by primary key; connect: device row, presence
    d1RowsWritten: presenceWrites + ATHENA.connectsPerDay * 2, // last_athena_ping; connect + disconnect
    doRequests,
    doGbSeconds: (activeMs / 1000) * DO_MEMORY_GB,
    doRowsWritten:
      keepalives * ATHENA.doRowsPerKeepalive +
      ATHENA.connectsPerDay * ATHENA.doRowsPerConnectCycle +
      presenceWrites * ATHENA.doRowsPerLeaseRefresh,
    keepalives,
    presenceWrites,
  };
}

interface Counts {
  workerRequests: number;
  workerWallMs: number;
  consumerMessages: number;
  consumerWallMs: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  r2ClassA: number;
  r2ClassB: number;
  r2BytesPut: number;
  queueMessages: number;
  doRequests: number;
  metricsFlushes: number;
  aeDataPoints: number;
  statuses: Record<string, number>;
}

const line = runWorkerdBench(["bench/workerd/cost-day.workerd.ts"])[0];
const { phases } = JSON.parse(line) as { phases: Record<"uploads" | "processing" | "viewing", Counts> };
const athena = athenaDay();
const sum = (f: (c: Counts) => number) => f(phases.uploads) + f(phases.processing) + f(phases.viewing);

// The metrics flush (MetricsObject) happens at most every FLUSH_INTERVAL_MS per isolate while there is traffic: the
// bench's own run is faster than real time, so it is modelled over the real durations (1 h of driving, 10 min viewing).
const metricsFlushesPerDay = (3600_000 + 600_000) / FLUSH_INTERVAL_MS;

const day = {
  workerRequests: sum((c) => c.workerRequests) + athena.workerRequests,
  workerCpuMs: sum((c) => c.workerWallMs + c.consumerWallMs) + athena.workerCpuMs,
  d1RowsRead: sum((c) => c.d1RowsRead) + athena.d1RowsRead,
  d1RowsWritten: sum((c) => c.d1RowsWritten) + athena.d1RowsWritten,
  r2ClassA: sum((c) => c.r2ClassA),
  r2ClassB: sum((c) => c.r2ClassB),
  r2BytesPut: sum((c) => c.r2BytesPut),
  doRequests: sum((c) => c.doRequests - c.metricsFlushes) + metricsFlushesPerDay + athena.doRequests,
  doGbSeconds: athena.doGbSeconds + (metricsFlushesPerDay * 5 * DO_MEMORY_GB) / 1000,
  doRowsWritten: athena.doRowsWritten,
  queueOps: sum((c) => c.queueMessages) * QUEUE_OPS_PER_MESSAGE,
  aeDataPoints: sum((c) => c.aeDataPoints) + ATHENA.connectsPerDay * 2,
};

const n = (v: number, digits = 0) => v.toLocaleString("en-US", { maximumFractionDigits: digits });
console.log(`one device-day (prices of ${PRICES.date}, Workers Paid)\n`);
console.log("phase        Worker req  wall ms   D1 read  D1 write  R2 A  R2 B  queue msg  DO req  AE pts");
for (const [name, c] of Object.entries(phases))
  console.log(
    `${name.padEnd(12)} ${n(c.workerRequests + c.consumerMessages).padStart(10)} ${n(c.workerWallMs + c.consumerWallMs).padStart(8)} ${n(c.d1RowsRead).padStart(9)} ${n(c.d1RowsWritten).padStart(9)} ${n(c.r2ClassA).padStart(5)} ${n(c.r2ClassB).padStart(5)} ${n(c.queueMessages).padStart(10)} ${n(c.doRequests).padStart(7)} ${n(c.aeDataPoints).padStart(7)}`,
  );
console.log(
  `${"athena 24 h".padEnd(12)} ${n(athena.workerRequests).padStart(10)} ${"".padStart(8)} ${n(athena.d1RowsRead).padStart(9)} ${n(athena.d1RowsWritten).padStart(9)} ${"0".padStart(5)} ${"0".padStart(5)} ${"0".padStart(10)} ${n(athena.doRequests).padStart(7)}   (${n(athena.keepalives)} keepalive alarms, ${n(athena.presenceWrites)} presence writes, ${n(athena.doRowsWritten)} DO rows written, ${n(athena.doGbSeconds, 2)} GB-s)`,
);
const errors = Object.entries({ ...phases.uploads.statuses, ...phases.viewing.statuses }).filter(
  ([s]) => Number(s) >= 400,
);
if (errors.length) console.log(`(statuses ≥ 400 seen: ${errors.map(([s, k]) => `${s}×${k}`).join(", ")})`);
console.log(
  `(Worker requests of the processing phase are queue messages; consumer invocations are not billed as requests)`,
);

type Item = { name: string; perMonth: number; price: { included: number; usdPerMillion: number } };
const month = (v: number) => v * DAYS;
const items: Item[] = [
  {
    name: "Worker requests",
    perMonth: month(day.workerRequests - phases.processing.workerRequests),
    price: PRICES.workerRequests,
  },
  { name: "Worker CPU ms", perMonth: month(day.workerCpuMs), price: PRICES.workerCpuMs },
  { name: "D1 rows read", perMonth: month(day.d1RowsRead), price: PRICES.d1RowsRead },
  { name: "D1 rows written", perMonth: month(day.d1RowsWritten), price: PRICES.d1RowsWritten },
  { name: "R2 class A", perMonth: month(day.r2ClassA), price: PRICES.r2ClassA },
  { name: "R2 class B", perMonth: month(day.r2ClassB), price: PRICES.r2ClassB },
  { name: "DO requests", perMonth: month(day.doRequests), price: PRICES.doRequests },
  { name: "DO GB-s", perMonth: month(day.doGbSeconds), price: PRICES.doGbSeconds },
  { name: "DO rows written", perMonth: month(day.doRowsWritten), price: PRICES.doRowsWritten },
  { name: "Queue operations", perMonth: month(day.queueOps), price: PRICES.queueOps },
  { name: "AE data points", perMonth: month(day.aeDataPoints), price: PRICES.aeDataPoints },
];
const list = (i: Item) => (i.perMonth / 1e6) * i.price.usdPerMillion;
console.log(`\nper device-month (${DAYS} days)       quantity    list $ (no allowance)   devices the allowance covers`);
let total = 0;
for (const i of items) {
  total += list(i);
  const covered = i.price.included / i.perMonth;
  console.log(
    `${i.name.padEnd(22)} ${n(i.perMonth).padStart(15)}   ${list(i).toFixed(5).padStart(12)}   ${n(covered).padStart(14)}`,
  );
}
console.log(
  `${"total, without storage".padEnd(22)} ${"".padStart(15)}   ${total.toFixed(5).padStart(12)}   (goal ≤ 0.05)`,
);
const biggest = [...items].sort((a, b) => list(b) - list(a))[0];
console.log(`biggest item: ${biggest.name} (${((list(biggest) / total) * 100).toFixed(0)} % of the list price)`);

// Marginal: a fleet of N devices on one account, minus the included allowances and the $5 base, divided by N.
for (const fleet of [1, 10, 100, 1000]) {
  let usd = PRICES.base.usdPerMonth;
  for (const i of items) usd += (Math.max(0, i.perMonth * fleet - i.price.included) / 1e6) * i.price.usdPerMillion;
  console.log(
    `fleet of ${String(fleet).padStart(4)}: $${(usd / fleet).toFixed(4)} per device-month (with the $5 base and allowances)`,
  );
}
const gbPerMonth = month(day.r2BytesPut) / 1e9;
console.log(
  `\nstorage, apart: ${n(day.r2BytesPut / 1e6, 1)} MB uploaded per day → ${n(gbPerMonth, 2)} GB more each month; R2 $${PRICES.r2StorageGbMonth.usd}/GB-month (${PRICES.r2StorageGbMonth.included} GB included): $${(gbPerMonth * PRICES.r2StorageGbMonth.usd).toFixed(4)} per month of drives kept, per month kept. D1 $${PRICES.d1StorageGbMonth.usd}/GB-month (rows are small).`,
);
