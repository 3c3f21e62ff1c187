/** The Hono application: shared middleware, then one thin router per area over the service modules. */
import { Hono } from "hono";
import { database } from "./db/client";
import type { AppEnv } from "./http/app-env";
import { identify } from "./http/auth";
import { corsForApps } from "./http/cors";
import { renderError } from "./http/errors";
import { requestObservability } from "./observability/request-log";
import { commaProfileRoutes } from "./routes/accounts";
import { commaDevices } from "./routes/comma-devices";
import { commaRoutes } from "./routes/comma-routes";
import { apiV1 } from "./routes/api-v1";
import { athenaRoutes } from "./routes/athena";
import { deviceHttp } from "./routes/device-http";
import { mapRoutes } from "./routes/maps";
import { pairingRoutes } from "./routes/pairing";
import { signinRoutes } from "./routes/signin";
import { uploadRoutes } from "./routes/uploads";

export const app = new Hono<AppEnv>({ strict: false });

app.onError(renderError);
// First, so that its log line and metric cover everything after it (CORS preflights and errors included).
app.use("*", requestObservability);
app.use("*", corsForApps);

app.use("*", async (c, next) => {
  c.set("db", database(c.env));
  await next();
});

// Signed-URL routes authorise by their query string and must not trip over a stale Authorization header.
app.route("/", uploadRoutes);
// Athena authenticates device sockets itself (adoption needs unknown dongles through); its user routes run identify.
app.route("/", athenaRoutes);

app.use("*", identify);
app.route("/", apiV1);
app.route("/", commaProfileRoutes);
app.route("/", deviceHttp);
app.route("/", pairingRoutes);
app.route("/", mapRoutes);
app.route("/", commaRoutes);
app.route("/", commaDevices);
app.route("/", signinRoutes);

const API_PREFIXES = /^\/(?:v1|v1\.1|v1\.4|v2|api|ws|upload|media|login)(?:\/|$)/;

/** Anything not routed: API paths get a JSON 404, everything else is the PWA (static assets, SPA fallback). */
app.notFound((c) => {
  if (API_PREFIXES.test(c.req.path) || c.req.method !== "GET") {
    return c.json({ error: "not_found", message: `No route for ${c.req.method} ${c.req.path}` }, 404);
  }
  return c.env.ASSETS.fetch(c.req.raw);
});
