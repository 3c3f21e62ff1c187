/**
 * N idle device sockets held on one local workerd with our keepalive (an `echo` call every KEEPALIVE_INTERVAL_MS
 * per device, answered by each simulated athenad). Prints memory per socket (workerd RSS, and the Worker
 * isolate's V8 heap after a forced GC) and CPU per socket over an idle window, plus the reconnect count, which
 * must stay 0. Run: `npx tsx bench/athena-idle-sockets.ts [N=1000] [window s=60]`.
 */
import { KEEPALIVE_INTERVAL_MS } from "../durable-objects/keepalive";
import { SimAthena } from "../test/device-sim/athena";
import { nodeTransport } from "../test/device-sim/athena-transport";
import { cpuSeconds, pool, registerDevice, rssBytes } from "./athena-fixtures";
import { startSnapshotServer } from "./athena-server";
import { IsolateMemory } from "./isolate-memory";

const N = Number(process.argv[2] ?? 1000);
const WINDOW_S = Number(process.argv[3] ?? 60);
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Isolate heap after a forced GC; null if the inspector does not answer (it is a dev tool, not guaranteed). */
async function heapAfterGc(isolate: IsolateMemory): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), 20_000);
  });
  try {
    return await Promise.race([isolate.collectGarbage().then(() => isolate.used()), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
const mb = (bytes: number | null) => (bytes === null ? "n/a" : `${(bytes / MB).toFixed(1)} MB`);

const server = await startSnapshotServer();
const pids = server.pids;
const isolate = await IsolateMemory.connect(server.inspectorPort);
const sims: SimAthena[] = [];
try {
  await heapAfterGc(isolate); // the first inspector call after attaching can be slow: not a measurement
  console.log(`registering ${N} devices…`);
  const devices = await pool(Array.from({ length: N }), 16, () => registerDevice(server.base));
  await sleep(2000);
  const base = { rss: rssBytes(pids), heap: await heapAfterGc(isolate) };

  console.log(`connecting ${N} athena sockets…`);
  const t0 = performance.now();
  await pool(devices, 32, async (device) => {
    const sim = new SimAthena({
      device,
      host: server.base.replace(/^http/, "ws"),
      transport: nodeTransport(),
      autoUpload: false,
    });
    sims.push(sim);
    sim.start();
    await sim.waitConnected(60_000);
  });
  console.log(`connected in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await sleep(5000);
  const held = { rss: rssBytes(pids), heap: await heapAfterGc(isolate) };
  console.log(`holding ${N} sockets; measuring CPU for ${WINDOW_S} s…`);

  const echoes = () => sims.reduce((n, s) => n + s.stats.callsServed, 0);
  const perPid0 = pids.map((p) => cpuSeconds([p]));
  const cpu0 = cpuSeconds(pids);
  const e0 = echoes();
  const node0 = process.cpuUsage();
  await sleep(WINDOW_S * 1000);
  const cpu = cpuSeconds(pids) - cpu0;
  const perPid = pids.map((p, i) => `${p}: ${(cpuSeconds([p]) - perPid0[i]).toFixed(2)} s, ${mb(rssBytes([p]))}`);
  const served = echoes() - e0;
  const nodeCpu = process.cpuUsage(node0);

  const reconnects = sims.reduce((n, s) => n + s.reconnects, 0);
  const timeouts = sims.reduce((n, s) => n + s.stats.readTimeouts, 0);
  console.log(
    `\n${N} idle athena sockets on one local workerd, keepalive every ${KEEPALIVE_INTERVAL_MS / 1000} s, ${WINDOW_S} s window`,
  );
  console.log(
    `workerd RSS            ${(base.rss / MB).toFixed(1)} MB → ${(held.rss / MB).toFixed(1)} MB   = ${((held.rss - base.rss) / N / 1024).toFixed(1)} KB per socket`,
  );
  // Without a baseline (the inspector may not answer before the isolate served a request), the whole heap / N
  // is still an upper bound per socket.
  const heapPerSocket =
    held.heap === null
      ? "n/a"
      : base.heap !== null
        ? `${((held.heap - base.heap) / N / 1024).toFixed(1)} KB per socket`
        : `≤ ${(held.heap / N / 1024).toFixed(1)} KB per socket (whole heap / N)`;
  console.log(`isolate heap (post-GC) ${mb(base.heap)} → ${mb(held.heap)}   = ${heapPerSocket}`);
  console.log(
    `workerd CPU            ${cpu.toFixed(2)} s in ${WINDOW_S} s = ${((cpu / WINDOW_S) * 100).toFixed(1)} % of one core`,
  );
  console.log(
    `                       = ${((cpu / WINDOW_S / N) * 1e6).toFixed(1)} µs CPU per socket per second, ${served ? ((cpu / served) * 1e3).toFixed(2) : "n/a"} ms per keepalive round trip (${served} echoes answered)`,
  );
  console.log(
    `  per workerd process  ${perPid.join("; ")} (wrangler dev runs a proxy workerd in front of the Worker's)`,
  );
  console.log(
    `client (Node) CPU      ${((nodeCpu.user + nodeCpu.system) / 1e6).toFixed(2)} s (simulated devices, not the server)`,
  );
  console.log(`device sessions        ${reconnects} reconnect(s), ${timeouts} read timeout(s)`);
} finally {
  await Promise.all(sims.map((s) => s.stop().catch(() => {})));
  isolate.close();
  server.stop();
}
