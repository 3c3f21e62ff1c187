/** The login page for comma's web apps and the code exchange they call (services/accounts/app-signin.ts). */
import { Hono } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../http/app-env";
import { ApiError, badRequest, forbidden } from "../errors";
import { publicOrigin, requestFields } from "../http/params";
import { login } from "../services/accounts/accounts";
import {
  appAuthUrl,
  createSigninCode,
  exchangeOriginAllowed,
  exchangeSigninCode,
} from "../services/accounts/app-signin";
import { clientIp } from "../services/audit";

export const signinRoutes = new Hono<AppEnv>({ strict: false });

/** `nonce`: of this response's CSP (http/security-headers.ts), which allows no other inline style. */
function page(nonce: string, app: string, error?: string) {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · edge-connect</title>
<style nonce="${nonce}">body{font:16px system-ui,sans-serif;display:grid;place-items:center;min-height:100vh;margin:0;background:#111;color:#eee}
form{display:grid;gap:.75rem;width:min(22rem,90vw)}input,button{font:inherit;padding:.6rem;border-radius:.4rem;border:1px solid #555}
button{background:#2e7d32;color:#fff;border:0;cursor:pointer}.err{color:#ff8a80}</style></head>
<body><form method="post" action="/login"><h1>Sign in</h1>
${error ? html`<p class="err" role="alert">${error}</p>` : ""}
<label>Email <input name="email" type="email" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<input type="hidden" name="app" value="${app}"><button type="submit">Sign in</button></form></body></html>`;
}

/** GET /login?app=<web app origin> (also `redirect_uri`/`host`, as other self-hosted servers name it). */
signinRoutes.get("/login", (c) => {
  const app = c.req.query("app") ?? c.req.query("redirect_uri") ?? c.req.query("host") ?? publicOrigin(c);
  return c.html(page(c.var.secureHeadersNonce ?? "", app));
});

signinRoutes.post("/login", async (c) => {
  const f = await requestFields(c);
  const target = appAuthUrl(
    c.env,
    publicOrigin(c),
    f.app?.includes("://") ? f.app : f.app ? `https://${f.app}` : publicOrigin(c),
  );
  if (!target)
    return c.html(
      page(c.var.secureHeadersNonce ?? "", "", "This app is not allowed to sign in here (ALLOWED_ORIGINS)."),
      400,
    );
  try {
    const { user } = await login(c.env, c.var.db, f.email ?? "", f.password ?? "", clientIp(c.req.raw));
    target.searchParams.set("code", await createSigninCode(c.var.db, user.id));
    target.searchParams.set("provider", "password");
    return c.redirect(target.toString(), 302);
  } catch (err) {
    if (err instanceof ApiError && err.status < 500)
      return c.html(
        page(c.var.secureHeadersNonce ?? "", f.app ?? "", err.message),
        err.status as 401 | 429,
        err.headers,
      );
    throw err;
  }
});

/** comma's apps: form `code`, `provider` → {access_token}. */
signinRoutes.post("/v2/auth", async (c) => {
  if (!exchangeOriginAllowed(c.env, publicOrigin(c), c.req.header("Origin"))) {
    throw forbidden("This app is not allowed to sign in here (ALLOWED_ORIGINS)", "origin_not_allowed");
  }
  const f = await requestFields(c);
  if (!f.code) throw badRequest("missing_code", "code is required");
  return c.json(await exchangeSigninCode(c.env, c.var.db, f.code));
});
