/** Invites: admins create, list and revoke them; whoever holds a token may look it up before signing up. */
import { createRoute } from "@hono/zod-openapi";
import { requireUser } from "../http/auth";
import { apiRouter, errors, jsonBody, jsonContent, userAuth, z } from "../http/openapi";
import { clientIp } from "../services/audit";
import {
  createInvite,
  describeInvite,
  INVITE_DEFAULT_HOURS,
  INVITE_MAX_HOURS,
  listInvites,
  revokeInvite,
} from "../services/accounts/invites";

const Role = z.enum(["admin", "user", "viewer"]);

const Invite = z
  .object({
    id: z.string(),
    role: Role,
    email: z.string().nullable().openapi({ description: "Only this address may use it (null: anyone)" }),
    created_by: z.string().nullable().openapi({ description: "null: made by the command line (claim link)" }),
    created_at: z.number().int(),
    expires_at: z.number().int(),
    used_at: z.number().int().nullable(),
    used_by: z.string().nullable(),
    revoked_at: z.number().int().nullable(),
    state: z.enum(["pending", "used", "revoked", "expired"]),
  })
  .openapi("Invite");

const create = createRoute({
  method: "post",
  path: "/api/v1/admin/invites",
  tags: ["admin"],
  security: userAuth,
  summary: "Create an invite (admins only); the answer is the only time its token is shown",
  request: jsonBody(
    z
      .object({
        role: Role.optional().openapi({ description: "Role of the account it creates (default user)" }),
        email: z.string().max(254).email().nullish(),
        expires_in_hours: z
          .number()
          .positive()
          .max(INVITE_MAX_HOURS)
          .optional()
          .openapi({ description: `Default ${INVITE_DEFAULT_HOURS}, at most ${INVITE_MAX_HOURS} (30 days)` }),
      })
      .openapi("InviteRequest"),
  ),
  responses: {
    201: jsonContent(
      z
        .object({
          invite: Invite,
          token: z.string().openapi({ description: "Secret: only its hash is stored" }),
          url: z.string().openapi({ description: "The link to hand out: /signup?invite=… or, for admins, /claim/…" }),
        })
        .openapi("CreatedInvite"),
      "Invite created",
    ),
    ...errors(400, 401, 403),
  },
});

const list = createRoute({
  method: "get",
  path: "/api/v1/admin/invites",
  tags: ["admin"],
  security: userAuth,
  summary: "Every invite, newest first, without tokens (admins only)",
  responses: { 200: jsonContent(z.object({ invites: z.array(Invite) }), "Invites"), ...errors(401, 403) },
});

const revoke = createRoute({
  method: "delete",
  path: "/api/v1/admin/invites/{id}",
  tags: ["admin"],
  security: userAuth,
  summary: "Revoke an unused invite (admins only); revoking twice is fine, a used invite → 409 `invite_used`",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 200: jsonContent(Invite, "Revoked"), ...errors(401, 403, 404, 409) },
});

// POST, not GET /…/{token}: the token stays out of URLs and so out of request logs.
const check = createRoute({
  method: "post",
  path: "/api/v1/auth/invite",
  tags: ["auth"],
  summary: "What an invite token grants, before signing up with it",
  description:
    "404 `invite_invalid`; 410 `invite_used`, `invite_expired`, `invite_revoked`. `email` is set when only that " +
    "address may use the invite.",
  request: jsonBody(z.object({ invite: z.string().max(200) }).openapi("InviteCheckRequest")),
  responses: {
    200: jsonContent(
      z.object({ role: Role, email: z.string().nullable(), expires_at: z.number().int() }).openapi("InviteInfo"),
      "A usable invite",
    ),
    ...errors(400, 404, 410),
  },
});

export const invitesApi = apiRouter()
  .openapi(create, async (c) => {
    const made = await createInvite(c.var.db, requireUser(c), c.req.valid("json"), clientIp(c.req.raw));
    const base = c.env.PUBLIC_URL || new URL(c.req.url).origin;
    return c.json({ invite: made.invite, token: made.token, url: base.replace(/\/+$/, "") + made.path }, 201);
  })
  .openapi(list, async (c) => c.json({ invites: await listInvites(c.var.db, requireUser(c)) }, 200))
  .openapi(revoke, async (c) =>
    c.json(await revokeInvite(c.var.db, requireUser(c), c.req.valid("param").id, clientIp(c.req.raw)), 200),
  )
  .openapi(check, async (c) => c.json(await describeInvite(c.var.db, c.req.valid("json").invite), 200));
