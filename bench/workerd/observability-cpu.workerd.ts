/**
 * What the logging + metrics middleware (worker/observability/request-log.ts) adds to one request, timed inside
 * workerd: the same trivial Hono route served with OBSERVABILITY on and off, many times, alternating. No storage
 * is touched on the measured path (the MetricsObject flush runs at most every 30 s, in the background), so wall
 * time is CPU time. console.log is replaced by a sink that keeps the line: the JSON is built either way, but how
 * the runtime ships a line (Workers Logs in production, vitest's console capture here) is not ours to time.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { it } from "vitest";
import type { AppEnv } from "../../worker/http/app-env";
import { requestObservability } from "../../worker/observability/request-log";

const N = 4000;
const ROUNDS = 7;

it("observability middleware CPU per request", async () => {
  const app = new Hono<AppEnv>();
  app.use("*", requestObservability);
  app.get("/v1/route/:route/files", (c) => c.json({ ok: true, route: c.req.param("route") }));
  const ctx = {
    waitUntil: () => undefined,
    passThroughOnException: () => undefined,
    props: {},
  } as unknown as ExecutionContext;
  const on = { ...env } as Env;
  const off = { ...env, OBSERVABILITY: "off" } as Env;
  let sink = 0;
  const log = console.log;
  console.log = (line: string) => {
    sink += line.length;
  };
  const run = async (e: Env) => {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const res = await app.fetch(new Request(`https://x.test/v1/route/abc%7C${i}/files?sig=s&exp=1`), e, ctx);
      await res.arrayBuffer();
    }
    return (performance.now() - t0) / N;
  };
  const onMs: number[] = [];
  const offMs: number[] = [];
  try {
    await run(on);
    await run(off);
    for (let r = 0; r < ROUNDS; r++) {
      onMs.push(await run(on));
      offMs.push(await run(off));
    }
  } finally {
    console.log = log;
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const fmt = (v: number) => v.toFixed(4);
  console.log(
    `BENCH observability middleware, ${N} requests × ${ROUNDS} rounds (median ms/request): on ${fmt(median(onMs))}, off ${fmt(median(offMs))}, added ${fmt(median(onMs) - median(offMs))} (log bytes ${sink})`,
  );
});
