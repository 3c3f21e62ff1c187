import { Hono } from "hono";
import { createRoute } from "@hono/zod-openapi";
import type { AppEnv } from "../http/app-env";
import { requireSessionUser, requireUser } from "../http/auth";
import { apiRouter, errors, jsonBody, jsonContent, userAuth, z } from "../http/openapi";
import {
  changePassword,
  changeRole,
  login,
  logout,
  publicUser,
  refresh,
  registerUser,
} from "../services/accounts/accounts";
import { auditSource, clientIp, clientIp as auditIp } from "../services/audit";

const User = z
  .object({
    id: z.string().openapi({ example: "3f1c0a9be42d7c55" }),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(["admin", "user", "viewer"]),
    created_at: z.number().int().openapi({ description: "unix seconds" }),
  })
  .openapi("User");

const Tokens = z
  .object({
    access_token: z.string().openapi({ description: "Send as `Authorization: JWT <token>` (or Bearer); valid 1 h" }),
    refresh_token: z.string().openapi({ description: "Single use: every refresh returns a new one; valid 30 days" }),
    expires_in: z.number().int().openapi({ example: 3600 }),
    token_type: z.literal("JWT"),
  })
  .openapi("Tokens");

const Credentials = z.object({ email: z.string().max(254), password: z.string().max(256) });

const register = createRoute({
  method: "post",
  path: "/api/v1/auth/register",
  tags: ["auth"],
  summary: "Create an account (with an invite when registration is closed)",
  description:
    'Open registration (`ENABLE_REGISTRATION` "true", the local dev server): anyone may sign up and the first ' +
    "account becomes admin. Closed (deployed servers): only with an `invite` token, and the account gets the " +
    "invite's role; without one → 403 `registration_closed`. Invite refusals: 404 `invite_invalid`, 410 " +
    "`invite_used` / `invite_expired` / `invite_revoked`, 403 `invite_email_mismatch` (the invite is bound to " +
    "another address). An invite is single use, even under concurrent sign-ups.",
  request: jsonBody(
    Credentials.extend({
      name: z.string().max(100).nullish(),
      invite: z.string().max(200).nullish().openapi({ description: "Token from an invite or claim link" }),
    }).openapi("RegisterRequest"),
  ),
  responses: {
    201: jsonContent(Tokens.extend({ user: User }), "Account created"),
    ...errors(400, 403, 404, 409, 410, 429),
  },
});

const loginRoute = createRoute({
  method: "post",
  path: "/api/v1/auth/login",
  tags: ["auth"],
  summary: "Sign in; 5 attempts per 15 min per account and IP (50 per account) → 429 with Retry-After",
  request: jsonBody(Credentials.openapi("LoginRequest")),
  responses: { 200: jsonContent(Tokens.extend({ user: User }), "Signed in"), ...errors(400, 401, 429) },
});

const refreshRoute = createRoute({
  method: "post",
  path: "/api/v1/auth/refresh",
  tags: ["auth"],
  summary: "Exchange a refresh token for new tokens (rotation; reusing an old token signs out its family)",
  request: jsonBody(z.object({ refresh_token: z.string().max(200) })),
  responses: { 200: jsonContent(Tokens, "New tokens"), ...errors(400, 401) },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/api/v1/auth/logout",
  tags: ["auth"],
  summary: "Revoke a refresh token (and its rotations)",
  request: {
    body: {
      content: { "application/json": { schema: z.object({ refresh_token: z.string().max(200).optional() }) } },
      required: false,
    },
  },
  responses: { 200: jsonContent(z.object({ success: z.boolean() }), "Signed out"), ...errors(400) },
});

const me = createRoute({
  method: "get",
  path: "/api/v1/auth/me",
  tags: ["auth"],
  security: userAuth,
  summary: "The signed-in user",
  responses: { 200: jsonContent(User, "The user"), ...errors(401, 403) },
});

const passwordRoute = createRoute({
  method: "post",
  path: "/api/v1/auth/password",
  tags: ["auth"],
  security: userAuth,
  summary: "Change my password: every other session is signed out, this one gets new tokens",
  description:
    "Needs a signed-in session: an API key gets 403 `api_key_not_allowed`. " +
    "Wrong current password → 403 `invalid_credentials`, counted by the sign-in rate limit (429 `too_many_attempts`). " +
    "A new password that breaks the registration rule → 400 `weak_password`.",
  request: jsonBody(
    z
      .object({ current_password: z.string().max(256), new_password: z.string().max(256) })
      .openapi("PasswordChangeRequest"),
  ),
  responses: { 200: jsonContent(Tokens, "New tokens for this session"), ...errors(400, 401, 403, 429) },
});

const roleRoute = createRoute({
  method: "patch",
  path: "/api/v1/admin/users/{id}/role",
  tags: ["admin"],
  security: userAuth,
  summary: "Change a user's role (admins only)",
  request: {
    params: z.object({ id: z.string() }),
    ...jsonBody(z.object({ role: z.enum(["admin", "user", "viewer"]) })),
  },
  responses: { 200: jsonContent(User, "Updated user"), ...errors(400, 401, 403, 404) },
});

export const accountsApi = apiRouter()
  .openapi(register, async (c) => {
    const { user, tokens } = await registerUser(c.env, c.var.db, c.req.valid("json"), auditIp(c.req.raw));
    return c.json({ user: publicUser(user), ...tokens }, 201);
  })
  .openapi(loginRoute, async (c) => {
    const body = c.req.valid("json");
    const { user, tokens } = await login(c.env, c.var.db, body.email, body.password, clientIp(c.req.raw));
    return c.json({ user: publicUser(user), ...tokens }, 200);
  })
  .openapi(refreshRoute, async (c) => c.json(await refresh(c.env, c.var.db, c.req.valid("json").refresh_token), 200))
  .openapi(logoutRoute, async (c) => {
    let token: string | undefined;
    try {
      token = ((await c.req.json()) as { refresh_token?: string })?.refresh_token;
    } catch {
      /* no body: nothing to revoke */
    }
    await logout(c.var.db, token);
    return c.json({ success: true }, 200);
  })
  .openapi(me, (c) => c.json(publicUser(requireUser(c)), 200))
  .openapi(passwordRoute, async (c) => {
    const tokens = await changePassword(
      c.env,
      c.var.db,
      requireSessionUser(c),
      c.req.valid("json"),
      clientIp(c.req.raw),
      auditSource(c.var.principal, c.req.raw),
    );
    return c.json(tokens, 200);
  })
  .openapi(roleRoute, async (c) => {
    const updated = await changeRole(
      c.var.db,
      requireUser(c),
      c.req.valid("param").id,
      c.req.valid("json").role,
      auditIp(c.req.raw),
    );
    return c.json(publicUser(updated), 200);
  });

/** comma's Profile object (docs/connect-api.md §4), for comma's own apps. */
export const commaProfileRoutes = new Hono<AppEnv>({ strict: false });
commaProfileRoutes.get("/v1/me", (c) => {
  const user = requireUser(c);
  return c.json({
    email: user.email,
    id: user.id,
    regdate: user.createdAt,
    superuser: user.role === "admin",
    user_id: user.id,
    username: user.name ?? null,
    points: 0,
    prime: false,
  });
});
