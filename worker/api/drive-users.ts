/** /api/v1 sharing of one drive with a person (view only). Managing the list needs write access to the device. */
import { createRoute } from "@hono/zod-openapi";
import { requireUser } from "../http/auth";
import { apiRouter, errors, jsonBody, jsonContent, userAuth, z } from "../http/openapi";
import { auditSource } from "../services/audit";
import { loadRouteFor } from "../services/drives/access";
import { addRouteUser, listRouteUsers, removeRouteUser } from "../services/drives/sharing";

const RouteName = z.object({
  fullname: z
    .string()
    .openapi({ param: { name: "fullname", in: "path" }, description: "`<dongle_id>|<log_id>` (URL-encoded)" }),
});
const RouteUser = z
  .object({
    email: z.string(),
    name: z.string().nullable(),
    created_at: z.number().int().openapi({ description: "unix seconds" }),
  })
  .openapi("RouteUser");
const Success = z.object({ success: z.literal(1) });

const list = createRoute({
  method: "get",
  path: "/api/v1/routes/{fullname}/users",
  tags: ["sharing"],
  security: userAuth,
  summary: "People this drive alone is shared with (owner or writers of the device)",
  request: { params: RouteName },
  responses: { 200: jsonContent(z.array(RouteUser), "People"), ...errors(400, 401, 403, 404) },
});
const add = createRoute({
  method: "post",
  path: "/api/v1/routes/{fullname}/users",
  tags: ["sharing"],
  security: userAuth,
  summary:
    "Let an account view this drive, and nothing else of the device (idempotent); unknown email → 404 `user_not_found`",
  request: { params: RouteName, ...jsonBody(z.object({ email: z.string().max(254) }).openapi("RouteShareRequest")) },
  responses: { 200: jsonContent(Success, "Shared"), ...errors(400, 401, 403, 404) },
});
const remove = createRoute({
  method: "delete",
  path: "/api/v1/routes/{fullname}/users/{email}",
  tags: ["sharing"],
  security: userAuth,
  summary: "Stop sharing this drive with an account (idempotent); unknown email → 404 `user_not_found`",
  request: { params: RouteName.extend({ email: z.string().max(254) }) },
  responses: { 200: jsonContent(Success, "Removed"), ...errors(400, 401, 403, 404) },
});

export const routeUsersApi = apiRouter()
  .openapi(list, async (c) => {
    requireUser(c);
    const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, c.req.valid("param").fullname, "write");
    return c.json(await listRouteUsers(c.var.db, route), 200);
  })
  .openapi(add, async (c) => {
    requireUser(c);
    const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, c.req.valid("param").fullname, "write");
    await addRouteUser(c.var.db, route, c.req.valid("json").email, auditSource(c.var.principal, c.req.raw));
    return c.json({ success: 1 as const }, 200);
  })
  .openapi(remove, async (c) => {
    requireUser(c);
    const params = c.req.valid("param");
    const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, params.fullname, "write");
    await removeRouteUser(c.var.db, route, params.email, auditSource(c.var.principal, c.req.raw));
    return c.json({ success: 1 as const }, 200);
  });
