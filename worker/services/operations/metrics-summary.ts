/**
 * The admin metrics summary for the last hour and day. Traffic figures (requests, latency, uploads, processing,
 * dead-lettered messages, athena events) come from the MetricsObject, which isolates flush their counters into
 * (worker/observability/buffer.ts); facts that D1 already knows (failed segments, online devices, stored bytes)
 * are read from D1 at query time. Analytics Engine holds the same events in full, but a Worker cannot read it: use
 * the account's SQL API for anything finer (docs/observability.md).
 */
import { and, count, eq, gte, sql } from "drizzle-orm";
import type { SeriesTotal } from "../../../durable-objects/metrics-object";
import { type Db, database } from "../../db/client";
import { devices, segments, uploadedFiles } from "../../db/schema";
import { BUCKET_COUNT, quantile } from "../../observability/histogram";
import { COUNTER, HISTOGRAM_SUM } from "../../observability/buffer";
import { flushMetricsNow, metricsStore } from "../../observability/metrics";

export const WINDOWS = { hour: 60, day: 24 * 60 } as const;
export type WindowName = keyof typeof WINDOWS;

export interface Histogram {
  count: number;
  sum_ms: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

export interface WindowSummary {
  requests: Histogram & {
    by_status_class: Record<string, number>;
    by_route: { route: string; method: string; count: number; p95_ms: number | null }[];
  };
  uploads: { count: number; bytes: number; by_kind: Record<string, { count: number; bytes: number }> };
  processing: Histogram & { by_outcome: Record<string, number> };
  failed_segments: number;
  dead_lettered_messages: number;
  athena: { connects: number; disconnects: number; rpc: Record<string, number> };
}

export interface MetricsSummary {
  generated_at: string;
  source: "metrics-object";
  windows: Record<WindowName, WindowSummary>;
  online_devices: number;
  stored_files: number;
  stored_bytes: number;
  /** Raw series per window, for the Prometheus rendering. */
  series: Record<WindowName, SeriesTotal[]>;
}

/** `route="/v1/me",method="GET"` → { route: "/v1/me", method: "GET" } (our own, escaped label strings). */
export function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]] = m[2].replace(/\\(.)/g, "$1");
  return out;
}

function histogram(rows: SeriesTotal[]): Histogram {
  const buckets = new Array(BUCKET_COUNT).fill(0);
  let sum = 0;
  for (const r of rows) {
    if (r.le === HISTOGRAM_SUM) sum += r.value;
    else if (r.le >= 0) buckets[r.le] += r.value;
  }
  const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  return {
    count: buckets.reduce((a, b) => a + b, 0),
    sum_ms: Math.round(sum * 100) / 100,
    p50_ms: round(quantile(buckets, 0.5)),
    p95_ms: round(quantile(buckets, 0.95)),
    p99_ms: round(quantile(buckets, 0.99)),
  };
}

function windowSummary(series: SeriesTotal[], failedSegments: number): WindowSummary {
  const named = (name: string) => series.filter((s) => s.name === name);
  const counters = (name: string) => named(name).filter((s) => s.le === COUNTER);
  const byStatusClass: Record<string, number> = {};
  for (const s of counters("requests")) {
    const cls = `${parseLabels(s.labels).status?.[0] ?? "?"}xx`;
    byStatusClass[cls] = (byStatusClass[cls] ?? 0) + s.value;
  }
  const routes = new Map<string, SeriesTotal[]>();
  for (const s of named("route_duration_ms")) routes.set(s.labels, [...(routes.get(s.labels) ?? []), s]);
  const byRoute = [...routes].map(([l, rows]) => {
    const { route, method } = parseLabels(l);
    const h = histogram(rows);
    return { route, method, count: h.count, p95_ms: h.p95_ms };
  });
  byRoute.sort((a, b) => b.count - a.count);

  const uploads: WindowSummary["uploads"] = { count: 0, bytes: 0, by_kind: {} };
  for (const s of [...counters("uploads"), ...counters("upload_bytes")]) {
    const kind = parseLabels(s.labels).kind;
    const k = (uploads.by_kind[kind] ??= { count: 0, bytes: 0 });
    if (s.name === "uploads") {
      k.count += s.value;
      uploads.count += s.value;
    } else {
      k.bytes += s.value;
      uploads.bytes += s.value;
    }
  }
  const byOutcome: Record<string, number> = {};
  let dead = 0;
  for (const s of counters("queue_messages")) {
    const l = parseLabels(s.labels);
    byOutcome[l.outcome] = (byOutcome[l.outcome] ?? 0) + s.value;
    if (l.queue === "dlq") dead += s.value;
  }
  const athena: WindowSummary["athena"] = { connects: 0, disconnects: 0, rpc: {} };
  for (const s of counters("athena_events")) {
    const l = parseLabels(s.labels);
    if (l.event === "connect") athena.connects += s.value;
    else if (l.event === "disconnect") athena.disconnects += s.value;
    else athena.rpc[l.outcome] = (athena.rpc[l.outcome] ?? 0) + s.value;
  }
  return {
    requests: { ...histogram(named("request_duration_ms")), by_status_class: byStatusClass, by_route: byRoute },
    uploads,
    processing: { ...histogram(named("processing_duration_ms")), by_outcome: byOutcome },
    failed_segments: failedSegments,
    dead_lettered_messages: dead,
    athena,
  };
}

/** What D1 knows right now: online devices, stored files and bytes, segments that failed in each window. */
function storedFacts(db: Db, nowS: number) {
  const failedSince = (since: number) =>
    db
      .select({ n: count() })
      .from(segments)
      .where(and(eq(segments.state, "failed"), gte(segments.updatedAt, since)));
  return db.batch([
    db.select({ n: count() }).from(devices).where(eq(devices.athenaOnline, true)),
    db.select({ n: count(), bytes: sql<number>`coalesce(sum(${uploadedFiles.size}), 0)` }).from(uploadedFiles),
    failedSince(nowS - WINDOWS.hour * 60),
    failedSince(nowS - WINDOWS.day * 60),
  ]);
}

export async function metricsSummary(env: Env): Promise<MetricsSummary> {
  // This isolate's own counts go in first, so a summary always includes the requests that led up to it.
  await flushMetricsNow(env);
  const nowMinute = Math.floor(Date.now() / 60_000);
  const nowS = Math.floor(Date.now() / 1000);
  const store = metricsStore(env);
  const [hour, day, d1] = await Promise.all([
    store.totals(nowMinute - WINDOWS.hour + 1),
    store.totals(nowMinute - WINDOWS.day + 1),
    storedFacts(database(env), nowS),
  ]);
  const first = (i: number) => d1[i][0] as { n: number; bytes?: number };
  return {
    generated_at: new Date().toISOString(),
    source: "metrics-object",
    windows: { hour: windowSummary(hour, first(2).n), day: windowSummary(day, first(3).n) },
    online_devices: first(0).n,
    stored_files: first(1).n,
    stored_bytes: first(1).bytes ?? 0,
    series: { hour, day },
  };
}
