/**
 * Outermost middleware: gives the request an id (Cloudflare's `cf-ray` when present, else a UUID; returned as
 * `X-Request-Id`), then writes one JSON log line and one metric per request. The route is Hono's pattern
 * (`/v1/route/:route/files`), never the raw path, so ids, signatures and query strings stay out of both.
 * `OBSERVABILITY=off` (a var, bench only) skips it all, for the A/B CPU measurement.
 */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../http/app-env";
import { logLine } from "./log";
import { flushMetrics, recordRequest } from "./metrics";

export function principalOf(c: Context<AppEnv>): { kind: string; id: string | null } {
  const p = c.var.principal;
  if (p?.kind === "user") return { kind: "user", id: p.user.id };
  if (p?.kind === "device") return { kind: "device", id: p.device.dongleId };
  if (p) {
    // Kinds added later (API keys…) are logged by their own id; never an email.
    const other = p as { kind: string; id?: string; apiKeyId?: string };
    return { kind: other.kind, id: other.apiKeyId ?? other.id ?? null };
  }
  if (c.var.deferredUserId) return { kind: "user", id: c.var.deferredUserId };
  return { kind: "anonymous", id: null };
}

/** A catch-all middleware answered (no route matched: static assets, the SPA, JSON 404s): one label for all. */
function routeOf(c: Context<AppEnv>): string {
  const path = routePath(c);
  return path === "*" || path === "/*" || path === "" ? "*" : path;
}

export const requestObservability: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.env.OBSERVABILITY === "off") return next();
  const started = performance.now();
  const requestId = c.req.header("cf-ray") ?? crypto.randomUUID();
  c.set("requestId", requestId);
  // Set before the handler, it goes into every response Hono builds (c.json, c.text…) at no extra cost.
  c.header("X-Request-Id", requestId);
  await next();
  const status = c.res.status;
  // Responses made elsewhere (static assets, Durable Objects) get it now, at the price of a copy; never a
  // WebSocket upgrade's 101, which cannot be rebuilt.
  if (status !== 101 && !c.res.headers.has("X-Request-Id")) c.header("X-Request-Id", requestId);
  const durationMs = Math.round((performance.now() - started) * 100) / 100;
  const route = routeOf(c);
  const principal = principalOf(c);
  logLine(status >= 500 ? "error" : status >= 400 ? "warn" : "info", "request", {
    request_id: requestId,
    method: c.req.method,
    route,
    status,
    duration_ms: durationMs,
    principal_kind: principal.kind,
    principal_id: principal.id,
  });
  recordRequest(c.env, { route, method: c.req.method, status, durationMs, principalKind: principal.kind });
  flushMetrics(c.env, (p) => c.executionCtx.waitUntil(p));
};
