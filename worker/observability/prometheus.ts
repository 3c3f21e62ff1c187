/**
 * Prometheus text exposition (format 0.0.4) of the admin summary, for self-hosters who scrape. Every traffic
 * figure is a gauge over a rolling window (`window="1h"|"24h"` label), not a monotonic counter: the server keeps a
 * day of per-minute sums, not totals since start. Latency is a summary with p50/p95/p99.
 */
import type { MetricsSummary, WindowName } from "../services/operations/metrics-summary";
import { COUNTER } from "./buffer";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
const PREFIX = "edge_connect_";
const WINDOW_LABEL: Record<WindowName, string> = { hour: "1h", day: "24h" };

class Exposition {
  private lines: string[] = [];
  family(name: string, type: "gauge" | "summary", help: string): void {
    this.lines.push(`# HELP ${PREFIX}${name} ${help}`, `# TYPE ${PREFIX}${name} ${type}`);
  }
  sample(name: string, labels: string, value: number | null): void {
    if (value === null || !Number.isFinite(value)) return;
    this.lines.push(`${PREFIX}${name}${labels ? `{${labels}}` : ""} ${value}`);
  }
  toString(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

/** Counter series of the MetricsObject exposed as windowed gauges. */
const COUNTER_FAMILIES: { name: string; series: string; help: string }[] = [
  { name: "requests", series: "requests", help: "Requests answered in the window, by route pattern, method, status." },
  { name: "uploads", series: "uploads", help: "Files uploaded in the window, by kind." },
  { name: "upload_bytes", series: "upload_bytes", help: "Bytes uploaded in the window, by kind." },
  {
    name: "queue_messages",
    series: "queue_messages",
    help: "Upload queue messages handled in the window, by kind, outcome and queue (main or dlq).",
  },
  { name: "athena_events", series: "athena_events", help: "Athena connects, disconnects and RPC outcomes." },
];

export function renderPrometheus(summary: MetricsSummary): string {
  const out = new Exposition();
  const windows = Object.keys(WINDOW_LABEL) as WindowName[];
  for (const f of COUNTER_FAMILIES) {
    out.family(f.name, "gauge", f.help);
    for (const w of windows)
      for (const s of summary.series[w])
        if (s.name === f.series && s.le === COUNTER)
          out.sample(f.name, `window="${WINDOW_LABEL[w]}"${s.labels ? `,${s.labels}` : ""}`, s.value);
  }
  const summaries = [
    { name: "request_duration_ms", help: "Request latency (ms) in the window.", pick: "requests" as const },
    {
      name: "processing_duration_ms",
      help: "Queue message handling time (ms) in the window.",
      pick: "processing" as const,
    },
  ];
  for (const f of summaries) {
    out.family(f.name, "summary", f.help);
    for (const w of windows) {
      const h = summary.windows[w][f.pick];
      const wl = `window="${WINDOW_LABEL[w]}"`;
      out.sample(f.name, `${wl},quantile="0.5"`, h.p50_ms);
      out.sample(f.name, `${wl},quantile="0.95"`, h.p95_ms);
      out.sample(f.name, `${wl},quantile="0.99"`, h.p99_ms);
      out.sample(`${f.name}_sum`, wl, h.sum_ms);
      out.sample(`${f.name}_count`, wl, h.count);
    }
  }
  out.family("failed_segments", "gauge", "Segments whose processing failed, last updated in the window.");
  for (const w of windows)
    out.sample("failed_segments", `window="${WINDOW_LABEL[w]}"`, summary.windows[w].failed_segments);
  out.family("dead_lettered_messages", "gauge", "Messages the dead-letter queue consumer handled in the window.");
  for (const w of windows)
    out.sample("dead_lettered_messages", `window="${WINDOW_LABEL[w]}"`, summary.windows[w].dead_lettered_messages);
  out.family("online_devices", "gauge", "Devices with an open athena socket.");
  out.sample("online_devices", "", summary.online_devices);
  out.family("stored_files", "gauge", "Uploaded files booked in D1.");
  out.sample("stored_files", "", summary.stored_files);
  out.family("stored_bytes", "gauge", "Bytes of uploaded files booked in D1 (derived files not included).");
  out.sample("stored_bytes", "", summary.stored_bytes);
  return out.toString();
}
