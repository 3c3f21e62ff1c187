/**
 * What authenticating with an API key costs next to a signed-in user's access token, timed inside workerd: the
 * whole Worker (`app.fetch`) answering `GET /v1/me/` for the same account, once with its JWT (HMAC check + the
 * prepared user lookup) and once with an API key (SHA-256 of the key + the prepared key ⋈ user lookup), with
 * rate-limit bindings that answer at once (their own cost is bench/workerd/rate-limit-cpu.workerd.ts). Both paths
 * make one D1 round trip, so the difference is the key path's own work; the anonymous row is the floor without D1.
 */
import { applyD1Migrations, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { it } from "vitest";
import { app } from "../../worker/app";

const INNER = 200;
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
const benchEnv = (() => {
  const copy = { ...env } as Record<string, unknown>;
  for (const name of LIMITERS) copy[name] = instant;
  return copy as unknown as Env;
})();

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", "10.9.9.9");
  const res = await app.fetch(new Request(`https://edge.test${path}`, { ...init, headers }), benchEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

function requester(path: string, auth: string | null, status: number) {
  return async () => {
    const res = await call(path, auth ? { headers: { Authorization: auth } } : {});
    await res.arrayBuffer();
    if (res.status !== status) throw new Error(`unexpected ${res.status} for ${path}`);
  };
}

async function timePerRequest(one: () => Promise<void>, count: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await one();
  return (performance.now() - t0) / count;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

it("API-key authentication next to an access token, in workerd", async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  const email = `bench-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const reg = await call("/api/v1/auth/register", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: "correct horse battery staple 42" }),
  });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);
  const { access_token } = (await reg.json()) as { access_token: string };
  const made = await call("/api/v1/auth/api-keys", {
    method: "POST",
    headers: { Authorization: `Bearer ${access_token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "bench", scope: "read" }),
  });
  if (made.status !== 201 && made.status !== 200) throw new Error(`api key: ${made.status} ${await made.text()}`);
  const { key } = (await made.json()) as { key: string };

  const runs = {
    anonymous: requester("/v1/prime/subscribe_info", null, 401),
    jwt: requester("/v1/me/", `JWT ${access_token}`, 200),
    key: requester("/v1/me/", `Bearer ${key}`, 200),
  };
  for (let i = 0; i < 50; i++) for (const one of Object.values(runs)) await one();
  const samples = { anonymous: [] as number[], jwt: [] as number[], key: [] as number[] };
  for (let s = 0; s < SAMPLES; s++) {
    for (const [name, one] of Object.entries(runs))
      samples[name as keyof typeof samples].push(await timePerRequest(one, INNER));
  }
  const f = (v: number) => `${(v * 1000).toFixed(0).padStart(6)} µs`;
  const m = { anonymous: median(samples.anonymous), jwt: median(samples.jwt), key: median(samples.key) };
  console.log(
    `BENCH GET /v1/me/ through app.fetch, ${SAMPLES} samples × ${INNER} requests (medians; wall time in workerd)`,
  );
  console.log(`BENCH anonymous (no D1, 401)          ${f(m.anonymous)}`);
  console.log(`BENCH access token (JWT) + user row   ${f(m.jwt)}`);
  console.log(`BENCH API key + key ⋈ user row        ${f(m.key)}`);
  console.log(`BENCH API key over access token       ${f(m.key - m.jwt)}`);
});
