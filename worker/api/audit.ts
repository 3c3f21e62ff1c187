/** /api/v1 audit log: my own security events, and everyone's for admins (services/audit-log.ts). Read only. */
import { createRoute } from "@hono/zod-openapi";
import { requireUser } from "../http/auth";
import { apiRouter, errors, jsonContent, userAuth, z } from "../http/openapi";
import { requireAdmin } from "../services/devices/adoption";
import { DEFAULT_PAGE, listAuditEvents, MAX_PAGE } from "../services/audit-log";

const Party = z.object({ kind: z.string(), id: z.string().nullable() });
const AuditEvent = z
  .object({
    id: z.number().int(),
    at: z.number().int().openapi({ description: "unix seconds" }),
    action: z.string().openapi({ example: "api_key.created", description: "`<thing>.<what happened>`" }),
    actor: Party.openapi({
      description: "Who did it: kind `user`, `api_key` (id = the key's id), `device`, `system` or `anonymous`",
    }),
    target: z.object({ kind: z.string(), id: z.string() }).nullable(),
    user_id: z.string().nullable().openapi({ description: "The account whose activity list shows the event" }),
    ip: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable().openapi({ description: "Facts; never secrets or emails" }),
  })
  .openapi("AuditEvent");
const AuditPage = z
  .object({
    events: z.array(AuditEvent),
    next_cursor: z.number().int().nullable().openapi({ description: "Pass as `cursor` for the next (older) page" }),
  })
  .openapi("AuditPage");

const Paging = z.object({
  cursor: z.coerce.number().int().positive().optional().openapi({ description: "next_cursor of the previous page" }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE)
    .optional()
    .openapi({ description: `Events per page (default ${DEFAULT_PAGE})` }),
});

const mine = createRoute({
  method: "get",
  path: "/api/v1/auth/audit",
  tags: ["auth"],
  security: userAuth,
  summary: "My security activity (sign-ins, password, API keys, pairing, sharing, deletions), newest first",
  request: { query: Paging },
  responses: { 200: jsonContent(AuditPage, "One page"), ...errors(400, 401, 403) },
});

const everyone = createRoute({
  method: "get",
  path: "/api/v1/admin/audit",
  tags: ["admin"],
  security: userAuth,
  summary: "Every account's security events, newest first (admins only)",
  request: {
    query: Paging.extend({
      action: z.string().max(64).optional().openapi({ example: "login.failure" }),
      user_id: z.string().max(64).optional(),
    }),
  },
  responses: { 200: jsonContent(AuditPage, "One page"), ...errors(400, 401, 403) },
});

export const auditApi = apiRouter()
  .openapi(mine, async (c) => {
    const user = requireUser(c);
    return c.json(await listAuditEvents(c.var.db, { ...c.req.valid("query"), userId: user.id }), 200);
  })
  .openapi(everyone, async (c) => {
    requireAdmin(requireUser(c));
    const { user_id, ...query } = c.req.valid("query");
    return c.json(await listAuditEvents(c.var.db, { ...query, userId: user_id }), 200);
  });
