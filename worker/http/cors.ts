import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { allowedOrigins } from "../services/accounts/app-signin";

/**
 * CORS on every route, preflight included. The API authenticates by header (`Authorization: JWT …`/`Bearer …`),
 * never by a cookie a browser would attach on its own, so any web app may call it, comma's connect and new-connect
 * built against this server included: `Access-Control-Allow-Origin: *` and never `Allow-Credentials`.
 * The sign-in pages are the exception: they hand out codes that become tokens, so only ALLOWED_ORIGINS
 * (services/accounts/app-signin.ts) get CORS answers there. Video players and tile loaders need Range and the
 * ETag/Content-Range answers.
 */
const shared = {
  allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  allowHeaders: ["Authorization", "Content-Type", "Range", "If-None-Match"],
  exposeHeaders: ["Content-Range", "Content-Length", "ETag", "Retry-After", "Accept-Ranges"],
  maxAge: 86400,
  credentials: false,
};

const anyOrigin = cors({ ...shared, origin: "*" });

const signInOrigins = cors({
  ...shared,
  origin: (origin, c) => (origin && allowedOrigins(c.env as Env).includes(origin) ? origin : null),
});

/** The login form and comma's code exchange (routes/signin.ts), with or without a trailing slash. */
export const isSignInPath = (path: string) => /^\/(login|v2\/auth)\/?$/.test(path);

export const corsForApps: MiddlewareHandler = (c, next) =>
  isSignInPath(c.req.path) ? signInOrigins(c, next) : anyOrigin(c, next);
