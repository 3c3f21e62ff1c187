import { cors } from "hono/cors";
import { allowedOrigins } from "../services/accounts/app-signin";

/**
 * CORS for the configured web app origins (ALLOWED_ORIGINS) on every route, preflight included. comma's apps
 * call with `Authorization: JWT …`; video players and tile loaders need Range and the ETag/Content-Range answers.
 */
export const corsForApps = cors({
  origin: (origin, c) => (origin && allowedOrigins(c.env as Env).includes(origin) ? origin : null),
  allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  allowHeaders: ["Authorization", "Content-Type", "Range", "If-None-Match"],
  exposeHeaders: ["Content-Range", "Content-Length", "ETag", "Retry-After", "Accept-Ranges"],
  maxAge: 86400,
  credentials: false,
});
