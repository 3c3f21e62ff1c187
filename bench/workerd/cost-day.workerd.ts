/**
 * One device-day run through the real Worker inside workerd, with every billed binding wrapped to count what
 * Cloudflare bills: D1 rows read/written (from each result's meta), R2 class A/B operations and bytes, queue
 * messages, Durable Object requests, Analytics Engine data points, and Worker requests with their wall time.
 * Queue messages the uploads produce are delivered to the consumer here, under the same counting env. Printed as one
 * `BENCH {json}` line for bench/cost.ts, which prices it.
 */
import { applyD1Migrations, createExecutionContext, createMessageBatch, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { it } from "vitest";
import { app } from "../../worker/app";
import type { UploadQueueMessage } from "../../worker/protocol/queue-messages";
import { handleUploadQueue } from "../../worker/queue/upload-consumer";
import { SimDevice } from "../../test/device-sim/device";
import { syntheticDriveFiles } from "../../test/device-sim/drive-files";
import { newRouteName } from "../../test/device-sim/route";

const SEGMENTS = 60;
const DRIVES = 3; // the hour of driving as 3 drives of 20 minutes: the user views all three
const VIDEO_SEGMENTS_WATCHED = 5; // per viewed drive

interface Counts {
  workerRequests: number;
  workerWallMs: number;
  consumerMessages: number;
  consumerWallMs: number;
  d1Queries: number;
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

const zero = (): Counts => ({
  workerRequests: 0,
  workerWallMs: 0,
  consumerMessages: 0,
  consumerWallMs: 0,
  d1Queries: 0,
  d1RowsRead: 0,
  d1RowsWritten: 0,
  r2ClassA: 0,
  r2ClassB: 0,
  r2BytesPut: 0,
  queueMessages: 0,
  doRequests: 0,
  metricsFlushes: 0,
  aeDataPoints: 0,
  statuses: {},
});

let counts = zero();
const pending: UploadQueueMessage[] = [];

function meter(meta: D1Meta | undefined) {
  counts.d1Queries++;
  counts.d1RowsRead += meta?.rows_read ?? 0;
  counts.d1RowsWritten += meta?.rows_written ?? 0;
}

const INNER = Symbol("inner");
type Wrapped = D1PreparedStatement & { [INNER]: D1PreparedStatement };

/** A statement whose every execution adds its rows to the counts. raw() has no meta: reads run all() once more. */
function wrapStatement(stmt: D1PreparedStatement, sql: string): Wrapped {
  const isRead = /^\s*(select|with)\b/i.test(sql);
  const w = {
    [INNER]: stmt,
    bind: (...v: unknown[]) => wrapStatement(stmt.bind(...v), sql),
    async first(col?: string) {
      const r = await stmt.all();
      meter(r.meta);
      const row = r.results[0] as Record<string, unknown> | undefined;
      return row === undefined ? null : col ? row[col] : row;
    },
    async all() {
      const r = await stmt.all();
      meter(r.meta);
      return r;
    },
    async run() {
      const r = await stmt.run();
      meter(r.meta);
      return r;
    },
    async raw(opts?: { columnNames?: boolean }) {
      if (isRead) {
        meter((await stmt.all()).meta);
        return stmt.raw(opts as { columnNames: true });
      }
      const r = await stmt.all();
      meter(r.meta);
      const rows = (r.results as Record<string, unknown>[]).map((o) => Object.values(o));
      return opts?.columnNames ? [Object.keys(r.results[0] ?? {}), ...rows] : rows;
    },
  };
  return w as unknown as Wrapped;
}

const countingDb = (db: D1Database): D1Database =>
  ({
    prepare: (sql: string) => wrapStatement(db.prepare(sql), sql),
    async batch(stmts: Wrapped[]) {
      const results = await db.batch(stmts.map((s) => s[INNER] ?? s));
      for (const r of results) meter(r.meta);
      return results;
    },
    exec: (sql: string) => db.exec(sql),
    withSession: () => countingDb(db),
    dump: () => db.dump(),
  }) as unknown as D1Database;

const CLASS_A = new Set(["put", "list", "createMultipartUpload", "resumeMultipartUpload", "copy"]);
const CLASS_B = new Set(["get", "head"]);
const countingR2 = (bucket: R2Bucket): R2Bucket =>
  new Proxy(bucket, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      return async (...args: unknown[]) => {
        if (CLASS_A.has(String(prop))) counts.r2ClassA++;
        if (CLASS_B.has(String(prop))) counts.r2ClassB++;
        const out = await v.apply(target, args);
        if (prop === "put" && out) counts.r2BytesPut += (out as R2Object).size;
        return out;
      };
    },
  });

const countingNamespace = <T extends Rpc.DurableObjectBranded | undefined>(
  ns: DurableObjectNamespace<T>,
  onCall: () => void,
): DurableObjectNamespace<T> =>
  new Proxy(ns, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== "get" || typeof v !== "function") return typeof v === "function" ? v.bind(target) : v;
      return (...args: unknown[]) => {
        const stub = v.apply(target, args);
        return new Proxy(stub, {
          get(s, p) {
            const m = Reflect.get(s, p);
            if (typeof m !== "function") return m;
            return (...a: unknown[]) => {
              onCall();
              return m.apply(s, a);
            };
          },
        });
      };
    },
  });

const countingEnv: Env = {
  ...env,
  DB: countingDb(env.DB),
  MEDIA: countingR2(env.MEDIA),
  UPLOAD_QUEUE: {
    async send(body: UploadQueueMessage) {
      counts.queueMessages++;
      pending.push(body);
    },
    async sendBatch(msgs: { body: UploadQueueMessage }[]) {
      counts.queueMessages += msgs.length;
      for (const m of msgs) pending.push(m.body);
    },
  } as unknown as Queue,
  DEVICE: countingNamespace(env.DEVICE, () => counts.doRequests++),
  METRICS_STORE: countingNamespace(env.METRICS_STORE, () => {
    counts.doRequests++;
    counts.metricsFlushes++;
  }),
  METRICS: {
    writeDataPoint: (p?: AnalyticsEngineDataPoint) => {
      counts.aeDataPoints++;
      env.METRICS.writeDataPoint(p);
    },
  },
};

async function workerFetch(input: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const t0 = performance.now();
  const res = await app.fetch(new Request(input, init), countingEnv, ctx);
  const body = await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  counts.workerWallMs += performance.now() - t0;
  counts.workerRequests++;
  counts.statuses[res.status] = (counts.statuses[res.status] ?? 0) + 1;
  return new Response(body, res);
}

/** The consumer's batches (max_batch_size 10), as Queues would deliver them. */
async function drainQueue() {
  while (pending.length) {
    const bodies = pending.splice(0, 10);
    const batch = createMessageBatch(
      "edge-connect-uploads",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    const t0 = performance.now();
    await handleUploadQueue(batch as MessageBatch<UploadQueueMessage>, countingEnv, ctx);
    await waitOnExecutionContext(ctx);
    counts.consumerWallMs += performance.now() - t0;
    counts.consumerMessages += bodies.length;
  }
}

const ORIGIN = "https://edge.test";

it("device-day cost counts", async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  // Setup (not counted): an owner, a registered and paired device.
  const reg = await workerFetch(`${ORIGIN}/api/v1/auth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "cost@example.com", password: "Correct-Horse-42-battery" }),
  });
  const { access_token } = (await reg.clone().json()) as { access_token: string };
  if (!access_token)
    throw new Error(
      `register: ${reg.status} ${JSON.stringify(
        await reg
          .clone()
          .json()
          .catch(() => null),
      )}`,
    );
  const auth = { Authorization: `JWT ${access_token}` };
  const device = await SimDevice.create({ api: ORIGIN, fetch: workerFetch, keyKind: "ecdsa" });
  await device.register();
  await workerFetch(`${ORIGIN}/v2/pilotpair/`, {
    method: "POST",
    headers: auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  const me = await workerFetch(`${ORIGIN}/v1/me/`, { headers: auth });
  if (me.status !== 200) throw new Error(`/v1/me/: ${me.status} ${await me.text()}`);
  await drainQueue();
  const phases: Record<string, Counts> = {};

  // 1 h of driving: 60 one-minute segments, qlog + qcamera each, as uploader.py sends them (upload_url, PUT).
  counts = zero();
  const perDrive = SEGMENTS / DRIVES;
  const routes: string[] = [];
  for (let d = 0; d < DRIVES; d++) {
    const log = newRouteName(perDrive);
    routes.push(`${device.dongleId}|${log}`);
    const files = syntheticDriveFiles({ segments: perDrive, startMs: Date.now() - (DRIVES - d) * 3_600_000 });
    for (let seg = 0; seg < perDrive; seg++) {
      const made = files(log, seg);
      for (const name of ["qlog.zst", "qcamera.ts"] as const) {
        const up = await device.uploadFile(`${log}--${seg}/${name}`, made[name]);
        if (up.outcome !== "uploaded") throw new Error(`upload ${name}: ${up.status}`);
      }
    }
  }
  phases.uploads = counts;
  counts = zero();
  await drainQueue();
  phases.processing = counts;

  // A user viewing the 3 drives in the PWA.
  counts = zero();
  const d = device.dongleId!;
  for (const path of ["/v1/me/", "/v1/me/devices/", `/v1.1/devices/${d}/stats`, `/v1/devices/${d}/routes?limit=10`])
    await workerFetch(`${ORIGIN}${path}`, { headers: auth });
  for (const fullname of routes) {
    const r = encodeURIComponent(fullname);
    const routeRes = await workerFetch(`${ORIGIN}/v1/route/${r}/`, { headers: auth });
    const route = (await routeRes.json()) as { url?: string };
    if (!route.url) throw new Error(`GET /v1/route/${r}/: ${routeRes.status} ${JSON.stringify(route).slice(0, 300)}`);
    const sig = (await (
      await workerFetch(`${ORIGIN}/v1/route/${r}/share_signature`, { headers: auth })
    ).json()) as Record<string, string>;
    const m3u8 = await (await workerFetch(`${ORIGIN}/v1/route/${r}/qcamera.m3u8?${new URLSearchParams(sig)}`)).text();
    for (let seg = 0; seg < perDrive; seg++) {
      await workerFetch(`${route.url}/${seg}/events.json`);
      await workerFetch(`${route.url}/${seg}/coords.json`);
    }
    await workerFetch(`${route.url}/0/sprite.jpg`);
    const tsUrls = m3u8.split("\n").filter((l) => l && !l.startsWith("#"));
    for (const u of tsUrls.slice(0, VIDEO_SEGMENTS_WATCHED)) await workerFetch(new URL(u, ORIGIN).toString());
  }
  phases.viewing = counts;
  console.log(`BENCH ${JSON.stringify({ segments: SEGMENTS, phases })}`);
});
