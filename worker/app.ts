/** The Hono application: shared middleware, then one thin router per area over the service modules. */
import { Hono } from "hono";
import { database } from "./db/client";
import type { AppEnv } from "./http/app-env";
import { corsForApps } from "./http/cors";
import { renderError } from "./http/errors";
import { commaProfileRoutes } from "./api/accounts";
import { athenaRoutes } from "./api/athena";
import { commaDevices } from "./api/comma-devices";
import { commaRoutes } from "./api/comma-drives";
import { deviceHttp } from "./api/device-http";
import { liveness } from "./api/health";
import { mapRoutes } from "./api/maps";
import { pairingRoutes } from "./api/pairing";
import { signinRoutes } from "./api/signin";
import { uploadRoutes } from "./api/uploads";
import { apiV1 } from "./api/v1";
import { identifyAndLimit, limitSensitiveEndpoints } from "./http/rate-limit";
import { securityHeaders } from "./http/security-headers";
import { requestObservability } from "./observability/request-log";

export const app = new Hono<AppEnv>({ strict: false });

app.onError(renderError);
// First, so that its log line and metric cover everything after it (CORS preflights and errors included).
app.use("*", requestObservability);
app.use("*", securityHeaders);
app.use("*", corsForApps);
// Liveness answers before the database and identity middleware: it must touch no storage.
app.get("/healthz", liveness);

app.use("*", async (c, next) => {
  c.set("db", database(c.env));
  await next();
});
// Sign-up, sign-in, pilotauth and pairing have a tighter per-IP limit of their own (services/rate-limits.ts).
app.use("*", limitSensitiveEndpoints);

// Signed-URL routes authorise by their query string and must not trip over a stale Authorization header.
app.route("/", uploadRoutes);
// Athena authenticates device sockets itself (adoption needs unknown dongles through); its user routes run identify.
app.route("/", athenaRoutes);

// Resolves the caller, then counts the call in its budget (per principal, or per IP when anonymous).
app.use("*", identifyAndLimit);
app.route("/", apiV1);
app.route("/", commaProfileRoutes);
app.route("/", deviceHttp);
app.route("/", pairingRoutes);
app.route("/", mapRoutes);
app.route("/", commaRoutes);
app.route("/", commaDevices);
app.route("/", signinRoutes);

const API_PREFIXES = /^\/(?:v1|v1\.1|v1\.4|v2|api|ws|upload|media|login|healthz)(?:\/|$)/;

/** Anything not routed: API paths get a JSON 404, everything else is the PWA (static assets, SPA fallback). */
app.notFound((c) => {
  if (API_PREFIXES.test(c.req.path) || c.req.method !== "GET") {
    return c.json({ error: "not_found", message: `No route for ${c.req.method} ${c.req.path}` }, 404);
  }
  return c.env.ASSETS.fetch(c.req.raw);
});
