/**
 * Readiness of every dependency, for GET /api/v1/health. Each check is one cheap round trip that leaves nothing
 * behind: D1 `select 1` (reads no row), an R2 head of a fixed key that is never written, one `health` message on the
 * upload queue (the consumer acks it without doing anything: worker/queue/upload-consumer.ts), and an RPC ping to a
 * fixed Durable Object that is never a device (its name cannot be a dongle id, and ping() remembers nothing).
 */
import { version } from "../../../package.json";
import type { HealthProbeMessage } from "../../protocol/queue-messages";
import { pingDatabase } from "../../db/client";

export const HEALTH_R2_KEY = "health/probe";
export const HEALTH_DO_NAME = "edge-connect-health";
const TIMEOUT_MS = 5_000;

export type CheckName = "d1" | "r2" | "queue" | "durable_objects";
export type CheckResult = { status: "ok"; latency_ms: number } | { status: "error"; latency_ms: number; error: string };

export interface HealthReport {
  status: "ok" | "error";
  checks: Record<CheckName, CheckResult>;
  version: string;
  commit: string;
}

const CHECKS: Record<CheckName, (env: Env) => Promise<unknown>> = {
  d1: (env) => pingDatabase(env),
  r2: (env) => env.MEDIA.head(HEALTH_R2_KEY),
  queue: (env) => env.UPLOAD_QUEUE.send({ type: "health" } satisfies HealthProbeMessage),
  durable_objects: (env) => env.DEVICE.getByName(HEALTH_DO_NAME).ping(),
};

class Timeout extends Error {}

async function timed(run: () => Promise<unknown>): Promise<CheckResult & { cause?: unknown }> {
  const start = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const latency = () => Math.round((performance.now() - start) * 10) / 10;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Timeout()), TIMEOUT_MS);
      }),
    ]);
    return { status: "ok", latency_ms: latency() };
  } catch (cause) {
    return { status: "error", latency_ms: latency(), error: cause instanceof Timeout ? "timeout" : "failed", cause };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every check in parallel. `detailed`: error texts are included (admins); for everyone else an error is only
 * "failed" or "timeout", so an anonymous caller learns nothing about the internals. The cause is always logged.
 */
export async function checkHealth(env: Env, opts: { detailed: boolean }): Promise<HealthReport> {
  const names = Object.keys(CHECKS) as CheckName[];
  const results = await Promise.all(names.map((name) => timed(() => CHECKS[name](env))));
  const checks = {} as Record<CheckName, CheckResult>;
  names.forEach((name, i) => {
    const { cause, ...result } = results[i];
    if (result.status === "error") {
      console.error("health check failed", name, cause);
      if (opts.detailed && result.error === "failed") result.error = String((cause as Error)?.message ?? cause);
    }
    checks[name] = result;
  });
  return {
    status: results.every((r) => r.status === "ok") ? "ok" : "error",
    checks,
    version,
    commit: env.COMMIT || "dev",
  };
}
