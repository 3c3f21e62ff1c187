import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/app-env";
import { requireUser } from "../http/auth";
import { badRequest } from "../http/errors";
import { jsonBody } from "../http/params";
import { changeRole, login, logout, publicUser, refresh, registerUser } from "../services/accounts";

export const accountRoutes = new Hono<AppEnv>({ strict: false });

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw badRequest("invalid_request", `${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  return result.data;
}

const RegisterBody = z.object({ email: z.string().max(254), password: z.string().max(256), name: z.string().max(100).nullish() });
const LoginBody = z.object({ email: z.string().max(254), password: z.string().max(256) });
const RefreshBody = z.object({ refresh_token: z.string().max(200) });
const LogoutBody = z.object({ refresh_token: z.string().max(200).optional() });
const RoleBody = z.object({ role: z.enum(["admin", "user", "viewer"]) });

const clientIp = (c: { req: { header(name: string): string | undefined } }) => c.req.header("CF-Connecting-IP") ?? "unknown";

accountRoutes.post("/api/v1/auth/register", async (c) => {
  const body = parse(RegisterBody, await jsonBody(c));
  const { user, tokens } = await registerUser(c.env, c.var.db, body);
  return c.json({ user: publicUser(user), ...tokens }, 201);
});

accountRoutes.post("/api/v1/auth/login", async (c) => {
  const body = parse(LoginBody, await jsonBody(c));
  const { user, tokens } = await login(c.env, c.var.db, body.email, body.password, clientIp(c));
  return c.json({ user: publicUser(user), ...tokens });
});

accountRoutes.post("/api/v1/auth/refresh", async (c) => {
  const body = parse(RefreshBody, await jsonBody(c));
  return c.json(await refresh(c.env, c.var.db, body.refresh_token));
});

accountRoutes.post("/api/v1/auth/logout", async (c) => {
  const body = parse(LogoutBody, await jsonBody(c).catch(() => ({})));
  await logout(c.var.db, body.refresh_token);
  return c.json({ success: true });
});

accountRoutes.get("/api/v1/auth/me", (c) => c.json(publicUser(requireUser(c))));

accountRoutes.patch("/api/v1/admin/users/:id/role", async (c) => {
  const body = parse(RoleBody, await jsonBody(c));
  return c.json(publicUser(await changeRole(c.var.db, requireUser(c), c.req.param("id"), body.role)));
});

/** comma's Profile object (docs/connect-api.md §5). */
accountRoutes.get("/v1/me", (c) => {
  const user = requireUser(c);
  return c.json({
    email: user.email, id: user.id, regdate: user.createdAt, superuser: user.role === "admin", user_id: user.id,
    username: user.name ?? null, points: 0, prime: false,
  });
});
