/**
 * Health: `GET /healthz` (liveness, touches no storage: mounted in app.ts ahead of every middleware that could) and
 * `GET /api/v1/health` (readiness of D1, R2, the queue and Durable Objects: services/operations/health.ts). Both are public so
 * that an uptime monitor needs no token; neither says more than "ok/error" and timings to anonymous callers.
 */
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { apiRouter, jsonContent, z, type apiRouter as ApiRouter } from "../http/openapi";
import { checkHealth } from "../services/operations/health";

const Liveness = z.object({ status: z.literal("ok") }).openapi("Liveness");

const Check = z
  .object({
    status: z.enum(["ok", "error"]),
    latency_ms: z.number().openapi({ description: "Round trip of this check, in milliseconds" }),
    error: z.string().optional().openapi({
      description: "`timeout` or `failed`; administrators see the error message instead of `failed`",
      example: "timeout",
    }),
  })
  .openapi("HealthCheck");

const Health = z
  .object({
    status: z.enum(["ok", "error"]).openapi({ description: "`error` when any check failed (HTTP 503)" }),
    checks: z.object({ d1: Check, r2: Check, queue: Check, durable_objects: Check }),
    version: z.string().openapi({ description: "edge-connect version (package.json)", example: "0.1.0" }),
    commit: z.string().openapi({ description: "Deployed commit (`COMMIT` var); `dev` locally", example: "3cb240a" }),
  })
  .openapi("Health");

const health = createRoute({
  method: "get",
  path: "/api/v1/health",
  tags: ["health"],
  summary: "Readiness: one cheap check per dependency (public)",
  description:
    "D1 `select 1`, an R2 head of a fixed key, one probe message on the upload queue (dropped by its consumer) and " +
    "a ping to a fixed Durable Object. Nothing is left behind. 503 when any check fails or takes over 5 s.",
  responses: {
    200: jsonContent(Health, "Every dependency answered"),
    503: jsonContent(Health, "At least one dependency failed"),
  },
});

export const healthApi = apiRouter().openapi(health, async (c) => {
  const p = c.var.principal;
  const report = await checkHealth(c.env, { detailed: p?.kind === "user" && p.user.role === "admin" });
  c.header("Cache-Control", "no-store");
  return c.json(report, report.status === "ok" ? 200 : 503);
});

/** GET /healthz: the Worker is up. Registered in app.ts before the database and identity middleware. */
export function liveness(c: Context<AppEnv>) {
  c.header("Cache-Control", "no-store");
  return c.json({ status: "ok" as const });
}

/** /healthz is a plain route (it must run before any middleware): documented only. */
export function registerLivenessDocs(registry: ReturnType<typeof ApiRouter>["openAPIRegistry"]) {
  registry.registerPath({
    method: "get",
    path: "/healthz",
    tags: ["health"],
    summary: "Liveness: the Worker answers (public, touches no storage)",
    responses: { 200: jsonContent(Liveness, 'Always `{"status":"ok"}`') },
  });
}
