/** GET /api/v1/admin/metrics: the operator's summary of the last hour and day, as JSON or Prometheus text. */
import { createRoute } from "@hono/zod-openapi";
import { requireUser } from "../http/auth";
import { apiRouter, errors, userAuth, z } from "../http/openapi";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../observability/prometheus";
import { requireAdmin } from "../services/devices/adoption";
import { metricsSummary } from "../services/operations/metrics-summary";

const Histogram = {
  count: z.number(),
  sum_ms: z.number(),
  p50_ms: z.number().nullable(),
  p95_ms: z.number().nullable().openapi({ description: "Within one latency bucket (fixed edges, 1 ms … 30 s)" }),
  p99_ms: z.number().nullable(),
};

const WindowSummary = z
  .object({
    requests: z.object({
      ...Histogram,
      by_status_class: z.record(z.string(), z.number()).openapi({ example: { "2xx": 120, "4xx": 3 } }),
      by_route: z.array(
        z.object({
          route: z.string().openapi({ example: "/v1/route/:route/files" }),
          method: z.string(),
          count: z.number(),
          p95_ms: z.number().nullable(),
        }),
      ),
    }),
    uploads: z.object({
      count: z.number(),
      bytes: z.number(),
      by_kind: z.record(z.string(), z.object({ count: z.number(), bytes: z.number() })),
    }),
    processing: z.object({
      ...Histogram,
      by_outcome: z.record(z.string(), z.number()).openapi({ example: { done: 118, failed: 2 } }),
    }),
    failed_segments: z.number().openapi({ description: "Segments in state failed, last updated in the window" }),
    dead_lettered_messages: z
      .number()
      .openapi({ description: "Messages the dead-letter consumer handled in the window (files it marked failed)" }),
    athena: z.object({
      connects: z.number(),
      disconnects: z.number(),
      rpc: z.record(z.string(), z.number()).openapi({ example: { reply: 12, queued: 1, offline: 2 } }),
    }),
  })
  .openapi("MetricsWindow");

const MetricsSummary = z
  .object({
    generated_at: z.string(),
    source: z.literal("metrics-object"),
    windows: z.object({ hour: WindowSummary, day: WindowSummary }),
    online_devices: z.number(),
    stored_files: z.number(),
    stored_bytes: z.number().openapi({ description: "Sum of uploaded file sizes (derived files not included)" }),
  })
  .openapi("MetricsSummary");

const metricsRoute = createRoute({
  method: "get",
  path: "/api/v1/admin/metrics",
  tags: ["admin"],
  security: userAuth,
  summary: "Server metrics for the last hour and day (admins only)",
  description:
    "Request counts and latency (p50/p95/p99) by route pattern, uploads, processing outcomes, failed segments, " +
    "dead-lettered messages, athena events, online devices and stored bytes. Traffic figures are summed from each " +
    "Worker isolate's counters, flushed at most every 30 s; `?format=prometheus` answers the same in Prometheus " +
    'text exposition (`text/plain; version=0.0.4`), every figure a gauge or summary over `window="1h"|"24h"`.',
  request: { query: z.object({ format: z.enum(["json", "prometheus"]).optional() }) },
  responses: {
    200: {
      description: "The summary",
      content: {
        "application/json": { schema: MetricsSummary },
        "text/plain": { schema: z.string().openapi({ description: "Prometheus text exposition 0.0.4" }) },
      },
    },
    ...errors(400, 401, 403),
  },
});

export const adminMetricsApi = apiRouter().openapi(metricsRoute, async (c) => {
  requireAdmin(requireUser(c));
  const summary = await metricsSummary(c.env);
  c.header("Cache-Control", "no-store");
  if (c.req.valid("query").format === "prometheus")
    return c.text(renderPrometheus(summary), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
  const { series: _series, ...json } = summary;
  return c.json(json, 200);
});
