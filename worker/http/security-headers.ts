/**
 * Security headers on every Worker response (hono/secure-headers). Static assets served without the Worker get the
 * same headers from web/public/_headers (test/security-headers.test.ts keeps the two in step).
 *
 * The app's CSP: everything from our own origin; `blob:` for the video player (MSE) and the map's and player's
 * workers; `data:` images (MapLibre's control icons, device snapshots). No inline script anywhere (the theme boot
 * script is /theme-init.js). The Swagger UI page at /api/docs gets its own policy: its one inline script carries a
 * per-request nonce, and so does the login page for comma's apps.
 *
 * Cross-Origin-Resource-Policy is `cross-origin`: comma's web apps on other origins put our video and thumbnails
 * into <video>/<img> (no-cors requests, which `same-origin` would block). Their API calls are CORS requests and
 * unaffected by these headers (http/cors.ts).
 */
import type { MiddlewareHandler } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { allowedOrigins } from "../services/accounts/app-signin";
import type { AppEnv } from "./app-env";

export const DOCS_PATH = "/api/docs";

/** The app's policy as [directive, sources]: also written into web/public/_headers (see the test). */
export const APP_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:", "blob:"],
  mediaSrc: ["'self'", "blob:"],
  workerSrc: ["'self'", "blob:"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  manifestSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

const common = {
  strictTransportSecurity: "max-age=31536000; includeSubDomains",
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  crossOriginResourcePolicy: "cross-origin",
} as const;

const appHeaders = secureHeaders({ ...common, contentSecurityPolicy: APP_CSP });

const docsHeaders = secureHeaders({
  ...common,
  contentSecurityPolicy: {
    ...APP_CSP,
    scriptSrc: ["'self'", NONCE],
    // Swagger UI sets style attributes in its markup.
    styleSrc: ["'self'", "'unsafe-inline'"],
  },
});

/**
 * comma's apps' login page (routes/signin.ts): its inline <style> carries the nonce, and its form's answer is a
 * redirect to the app's origin, which form-action must allow (Chromium checks redirects of form submissions).
 */
const loginHeaders = secureHeaders({
  ...common,
  contentSecurityPolicy: {
    ...APP_CSP,
    styleSrc: ["'self'", NONCE],
    formAction: ["'self'", (c) => allowedOrigins(c.env as Env).join(" ")],
  },
});

const byPath: Record<string, MiddlewareHandler> = { [DOCS_PATH]: docsHeaders, "/login": loginHeaders };

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  // WebSocket upgrades: the 101 response carries no document, and the socket's headers are the DO's own.
  if (c.req.header("Upgrade")?.toLowerCase() === "websocket") return next();
  const apply = byPath[c.req.path.replace(/\/$/, "")] ?? appHeaders;
  await apply(c, async () => {
    await next();
    // Responses fetched from a binding (ASSETS, a DO) have immutable headers; re-assigning makes Hono copy them.
    // biome-ignore lint/correctness/noSelfAssign: the setter copies the response
    c.res = c.res;
  });
};
