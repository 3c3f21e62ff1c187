/**
 * What we measure, written twice: one Analytics Engine data point per event (binding METRICS, dataset
 * edge_connect; every field kept, queried with the account's SQL API) and a count in the isolate's buffer, which the
 * admin summary reads back through the MetricsObject (see buffer.ts). Data point layout, by blob1 (also the index):
 *   request:    blobs [kind, route pattern, method, status, principal kind]  doubles [duration_ms, status]
 *   upload:     blobs [kind, file kind]                                      doubles [bytes]
 *   processing: blobs [kind, message kind, outcome, queue ("main"|"dlq")]    doubles [duration_ms, attempts]
 *   athena:     blobs [kind, event (connect|disconnect|rpc), outcome]        doubles [duration_ms]
 */
import { isolateMetrics } from "./buffer";
import { logError } from "./log";

/** Prometheus-style label body, values escaped: `route="/v1/me",status="200"`. */
export function labels(pairs: Record<string, string | number>): string {
  let out = "";
  for (const k in pairs) {
    const v = String(pairs[k]).replace(/[\\"\n]/g, (ch) => (ch === "\n" ? "\\n" : `\\${ch}`));
    out += `${out ? "," : ""}${k}="${v}"`;
  }
  return out;
}

function write(env: Env, blobs: string[], doubles: number[]): void {
  try {
    env.METRICS?.writeDataPoint({ blobs, doubles, indexes: [blobs[0]] });
  } catch {
    // Metrics are never worth failing a request for (e.g. more than 250 data points in one invocation).
  }
}

export interface RequestMetric {
  route: string;
  method: string;
  status: number;
  durationMs: number;
  principalKind: string;
}

// Label strings of request series, built once per (route, method, status) an isolate sees: requests are the hot path.
const requestLabels = new Map<string, { byStatus: string; byRoute: string }>();

export function recordRequest(env: Env, m: RequestMetric): void {
  const status = String(m.status);
  write(env, ["request", m.route, m.method, status, m.principalKind], [m.durationMs, m.status]);
  const key = `${m.method} ${status} ${m.route}`;
  let l = requestLabels.get(key);
  if (!l) {
    l = {
      byStatus: labels({ route: m.route, method: m.method, status }),
      byRoute: labels({ route: m.route, method: m.method }),
    };
    requestLabels.set(key, l);
  }
  isolateMetrics.count("requests", l.byStatus);
  isolateMetrics.observe("request_duration_ms", "", m.durationMs);
  isolateMetrics.observe("route_duration_ms", l.byRoute, m.durationMs);
}

export function recordUpload(env: Env, kind: string, bytes: number): void {
  write(env, ["upload", kind], [bytes]);
  const l = labels({ kind });
  isolateMetrics.count("uploads", l);
  isolateMetrics.count("upload_bytes", l, bytes);
}

export function recordProcessing(
  env: Env,
  m: { kind: string; outcome: string; dead: boolean; durationMs: number; attempts: number },
): void {
  const queue = m.dead ? "dlq" : "main";
  write(env, ["processing", m.kind, m.outcome, queue], [m.durationMs, m.attempts]);
  isolateMetrics.count("queue_messages", labels({ kind: m.kind, outcome: m.outcome, queue }));
  isolateMetrics.observe("processing_duration_ms", labels({ kind: m.kind }), m.durationMs);
}

export function recordAthena(env: Env, event: "connect" | "disconnect" | "rpc", outcome: string, durationMs = 0): void {
  write(env, ["athena", event, outcome], [durationMs]);
  isolateMetrics.count("athena_events", labels({ event, outcome }));
}

/** The MetricsObject everyone flushes into: one per deployment. */
export function metricsStore(env: Env) {
  return env.METRICS_STORE.get(env.METRICS_STORE.idFromName("global"));
}

/**
 * Sends the buffer to the MetricsObject when FLUSH_INTERVAL_MS has passed (or always, with `force`), in the
 * background: the caller's response never waits for it.
 */
export function flushMetrics(env: Env, waitUntil: (p: Promise<unknown>) => void, force = false): void {
  if (!(force ? !isolateMetrics.empty : isolateMetrics.due())) return;
  const rows = isolateMetrics.drain();
  waitUntil(
    metricsStore(env)
      .record(Math.floor(Date.now() / 60_000), rows)
      .catch((err: unknown) => logError("metrics_flush_failed", err, { rows: rows.length })),
  );
}

/** The same, awaited (the admin summary: its own isolate's counts must be in before it reads). */
export async function flushMetricsNow(env: Env): Promise<void> {
  if (isolateMetrics.empty) return;
  await metricsStore(env).record(Math.floor(Date.now() / 60_000), isolateMetrics.drain());
}
