/**
 * Relay round trip on local workerd: `POST /<dongle>` (user auth) → Worker → DeviceObject → device websocket →
 * the simulated athenad answers `echo` at once → back to the caller. Compared with a plain authenticated API
 * call (`GET /v1.1/devices/<dongle>`: same user auth and device lookup, no DO, no device) to isolate what the
 * relay itself adds. Run: `npx tsx bench/athena-relay.ts [calls]`.
 */
import { SimAthena } from "../test/device-sim/athena";
import { nodeTransport } from "../test/device-sim/athena-transport";
import { createAccount, fmtMs, pair, percentile, pool, registerDevice } from "./athena-fixtures";
import { startSnapshotServer } from "./athena-server";

const CALLS = Number(process.argv[2] ?? 1000);
const CONCURRENCY = 16;

async function timed(fn: () => Promise<Response>): Promise<number> {
  const t0 = performance.now();
  const res = await fn();
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`unexpected ${res.status}`);
  return performance.now() - t0;
}

function summary(label: string, samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(46)} p50 ${fmtMs(percentile(s, 50)).padStart(9)}  p90 ${fmtMs(percentile(s, 90)).padStart(9)}  p99 ${fmtMs(percentile(s, 99)).padStart(9)}  (n=${s.length})`,
  );
  return s;
}

const server = await startSnapshotServer();
try {
  const user = await createAccount(server.base);
  const device = await registerDevice(server.base);
  await pair(server.base, user.auth, device);
  const sim = new SimAthena({ device, host: server.base.replace(/^http/, "ws"), transport: nodeTransport() });
  sim.start();
  await sim.waitConnected();
  const dongle = device.requireDongle();

  let n = 0;
  const relay = () =>
    fetch(`${server.base}/${dongle}`, {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", method: "echo", params: { s: `bench-${n++}` }, id: 0 }),
    });
  const plain = () => fetch(`${server.base}/v1.1/devices/${dongle}`, { headers: user.auth });

  for (let i = 0; i < 100; i++) {
    await timed(relay);
    await timed(plain);
  } // warm-up: JIT, key cache, DO start
  const relayTimes: number[] = [];
  const plainTimes: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    // interleaved, so both see the same machine state
    relayTimes.push(await timed(relay));
    plainTimes.push(await timed(plain));
  }
  console.log(`athena relay round trip on local workerd (device answers at once), ${CALLS} sequential calls`);
  const r = summary("POST /<dongle> echo (relay through the DO)", relayTimes);
  const p = summary("GET /v1.1/devices/<dongle> (same auth, no DO)", plainTimes);
  console.log(
    `${"relay overhead (relay − plain)".padEnd(46)} p50 ${fmtMs(percentile(r, 50) - percentile(p, 50)).padStart(9)}  p99 ${fmtMs(percentile(r, 99) - percentile(p, 99)).padStart(9)}`,
  );

  const t0 = performance.now();
  const concurrent = await pool(Array.from({ length: CALLS }), CONCURRENCY, () => timed(relay));
  const seconds = (performance.now() - t0) / 1000;
  summary(`relay, ${CONCURRENCY} concurrent callers (all id 0)`, concurrent);
  console.log(`${"relay throughput".padEnd(46)} ${(CALLS / seconds).toFixed(0)} calls/s`);
  console.log(
    `device session: ${sim.stats.connects} connect(s), ${sim.reconnects} reconnect(s), ${sim.stats.callsServed} calls served`,
  );
  await sim.stop();
} finally {
  server.stop();
}
