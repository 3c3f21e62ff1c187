/**
 * What the rate-limit check adds to a request, timed inside workerd: the whole Worker (`app.fetch`) answering an
 * anonymous `GET /v1/prime/subscribe_info` (no D1: identify finds no token, the handler answers 401), which is the
 * cheapest API request there is, so the limiter's share is as large as it gets. Three environments:
 *   - no limiter bindings (the check is skipped): the baseline;
 *   - bindings that answer at once: our code's cost (path rules, key, the awaited call) without the limiter's own;
 *   - miniflare's bindings: adds the local emulation (an RPC to a SQLite Durable Object); wall time, an upper bound
 *     (production counts in the runtime, in memory, and the RPC wait is not CPU).
 * Sync work and microtasks only in the first two, so wall time is CPU time; workerd's clock has 1 ms steps, so each
 * sample times INNER requests.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { it } from "vitest";
import { app } from "../../worker/app";

const INNER = 500;
const SAMPLES = 20;
const LIMITERS = [
  "API_LIMIT",
  "CONTENT_LIMIT",
  "DEVICE_LIMIT",
  "SIGNUP_LIMIT",
  "LOGIN_LIMIT",
  "PILOTAUTH_LIMIT",
  "PAIRING_LIMIT",
] as const;

const instant: RateLimit = { limit: async () => ({ success: true }) };

function envWith(limiter: RateLimit | undefined | "miniflare"): Env {
  const copy = { ...env } as Record<string, unknown>;
  for (const name of LIMITERS) copy[name] = limiter === "miniflare" ? env[name] : limiter;
  return copy as unknown as Env;
}

/** One request through the whole Worker; a new address each time, so miniflare's counters never refuse. */
function requester(e: Env, ipBase: number) {
  let n = 0;
  return async () => {
    const ctx = createExecutionContext();
    const ip = `10.${ipBase}.${(n >> 8) & 255}.${n++ & 255}`;
    const res = await app.fetch(
      new Request("https://edge.test/v1/prime/subscribe_info", { headers: { "CF-Connecting-IP": ip } }),
      e,
      ctx,
    );
    await res.arrayBuffer();
    await waitOnExecutionContext(ctx);
    if (res.status !== 401) throw new Error(`unexpected ${res.status}`);
  };
}

async function timePerRequest(one: () => Promise<void>, count: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await one();
  return (performance.now() - t0) / count;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const min = (v: number[]) => Math.min(...v);

it("rate-limit overhead in workerd", async () => {
  // Samples of the two CPU-only set-ups alternate, so load from other processes hits both alike.
  const none = requester(envWith(undefined), 1);
  const ours = requester(envWith(instant), 2);
  for (let i = 0; i < 200; i++) await Promise.all([none(), ours()]);
  const samples = { none: [] as number[], ours: [] as number[] };
  for (let s = 0; s < SAMPLES; s++) {
    samples.none.push(await timePerRequest(none, INNER));
    samples.ours.push(await timePerRequest(ours, INNER));
  }
  const local = requester(envWith("miniflare"), 3);
  for (let i = 0; i < 20; i++) await local();
  const localMs = median([await timePerRequest(local, 100), await timePerRequest(local, 100)]);
  const f = (v: number) => `${(v * 1000).toFixed(0).padStart(5)} µs`;
  console.log(`BENCH anonymous GET /v1/prime/subscribe_info through app.fetch, ${SAMPLES} samples × ${INNER} requests`);
  console.log(`BENCH                                      median       min`);
  console.log(`BENCH without limiter bindings            ${f(median(samples.none))}  ${f(min(samples.none))}`);
  console.log(`BENCH with instant bindings (our code)     ${f(median(samples.ours))}  ${f(min(samples.ours))}`);
  console.log(
    `BENCH limiter's cost (our code)           ${f(median(samples.ours) - median(samples.none))}  ${f(min(samples.ours) - min(samples.none))}   budget 300 µs`,
  );
  console.log(
    `BENCH with miniflare's bindings (wall)     ${f(localMs)}  (local emulation: an RPC to a SQLite DO each)`,
  );
});
