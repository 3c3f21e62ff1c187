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
const SAMPLES = 15;
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

async function msPerRequest(e: Env, ipBase: number): Promise<number> {
  let n = 0;
  const one = async () => {
    const ctx = createExecutionContext();
    // A new address each time, so miniflare's counters never refuse (a refusal would be cheaper, not dearer).
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
  for (let i = 0; i < 50; i++) await one();
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = performance.now();
    for (let i = 0; i < INNER; i++) await one();
    samples.push((performance.now() - t0) / INNER);
  }
  samples.sort((a, b) => a - b);
  return samples[SAMPLES >> 1];
}

it("rate-limit overhead in workerd", async () => {
  const none = await msPerRequest(envWith(undefined), 1);
  const ours = await msPerRequest(envWith(instant), 2);
  const local = await msPerRequest(envWith("miniflare"), 3);
  const f = (v: number) => `${(v * 1000).toFixed(0).padStart(5)} µs`;
  console.log(`BENCH anonymous GET /v1/prime/subscribe_info through app.fetch, median of ${SAMPLES}×${INNER} requests`);
  console.log(`BENCH without limiter bindings            ${f(none)} per request`);
  console.log(`BENCH with instant bindings (our code)     ${f(ours)} per request: +${f(ours - none)} (budget 300 µs)`);
  console.log(
    `BENCH with miniflare's bindings (wall)     ${f(local)} per request: +${f(local - none)} (local emulation)`,
  );
});
