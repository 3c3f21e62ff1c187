/** Rendering errors as HTTP answers: ApiError (worker/errors.ts) keeps its status; anything else is a 500. */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "../errors";
import { logError } from "../observability/log";

export function errorJson(c: Context, err: ApiError) {
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  return c.json({ error: err.code, message: err.message }, err.status);
}

/** Hono onError: known errors keep their status; anything else is our fault and says so without leaking details. */
export function renderError(err: Error, c: Context) {
  if (err instanceof ApiError) return errorJson(c, err);
  // Hono's own validators throw HTTPException (e.g. malformed JSON): keep their 4xx, in our error shape.
  if (err instanceof HTTPException && err.status < 500) {
    const code = /json/i.test(err.message) ? "invalid_json" : "bad_request";
    return c.json({ error: code, message: err.message || "Bad request" }, err.status);
  }
  // The route pattern, not the path: paths carry ids and signed query strings.
  logError("unhandled_error", err, {
    request_id: c.get("requestId") ?? null,
    method: c.req.method,
    route: c.req.routePath,
  });
  return c.json({ error: "internal_error", message: "Internal server error" }, 500);
}
