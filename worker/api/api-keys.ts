/** /api/v1 API keys of the signed-in account (services/accounts/api-keys.ts). Managing keys needs a session, not a key. */
import { createRoute } from "@hono/zod-openapi";
import { requireSessionUser } from "../http/auth";
import { apiRouter, errors, jsonBody, jsonContent, userAuth, z } from "../http/openapi";
import { createApiKey, listApiKeys, MAX_API_KEYS_PER_USER, revokeApiKey } from "../services/accounts/api-keys";
import { auditSource } from "../services/audit";

const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: z.enum(["read", "write"]),
    prefix: z
      .string()
      .openapi({ description: "The key's first characters, to tell keys apart", example: "ec_live_Xy3_9a" }),
    created_at: z.number().int().openapi({ description: "unix seconds" }),
    last_used_at: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "unix seconds, recorded at most every 5 minutes; null = never used" }),
  })
  .openapi("ApiKey");

const create = createRoute({
  method: "post",
  path: "/api/v1/auth/api-keys",
  tags: ["auth"],
  security: userAuth,
  summary: "Create an API key; the response is the only time the key is shown",
  description:
    "Send the key as `Authorization: Bearer <key>` (or `JWT <key>`). A `read` key may use GET only: any other " +
    "method answers 403 `api_key_read_only`. Keys act as their account on user endpoints, never on device " +
    "endpoints, and cannot manage API keys or change the password (403 `api_key_not_allowed`). " +
    `At most ${MAX_API_KEYS_PER_USER} active keys per account (409 \`api_key_limit\`).`,
  request: jsonBody(
    z.object({ name: z.string().min(1).max(100), scope: z.enum(["read", "write"]) }).openapi("ApiKeyCreateRequest"),
  ),
  responses: {
    201: jsonContent(
      ApiKey.extend({
        key: z.string().openapi({ description: "The secret key: store it now, it cannot be shown again" }),
      }).openapi("NewApiKey"),
      "Created",
    ),
    ...errors(400, 401, 403, 409),
  },
});

const list = createRoute({
  method: "get",
  path: "/api/v1/auth/api-keys",
  tags: ["auth"],
  security: userAuth,
  summary: "My active API keys, newest first (never the key itself)",
  responses: { 200: jsonContent(z.object({ keys: z.array(ApiKey) }), "Keys"), ...errors(401, 403) },
});

const revoke = createRoute({
  method: "delete",
  path: "/api/v1/auth/api-keys/{id}",
  tags: ["auth"],
  security: userAuth,
  summary: "Revoke one of my API keys; it stops working at once. Another account's key → 404",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 200: jsonContent(z.object({ success: z.literal(1) }), "Revoked"), ...errors(401, 403, 404) },
});

export const apiKeysApi = apiRouter()
  .openapi(create, async (c) => {
    const user = requireSessionUser(c);
    const key = await createApiKey(c.var.db, user, c.req.valid("json"), auditSource(c.var.principal, c.req.raw));
    return c.json(key, 201);
  })
  .openapi(list, async (c) => c.json({ keys: await listApiKeys(c.var.db, requireSessionUser(c)) }, 200))
  .openapi(revoke, async (c) => {
    const user = requireSessionUser(c);
    await revokeApiKey(c.var.db, user, c.req.valid("param").id, auditSource(c.var.principal, c.req.raw));
    return c.json({ success: 1 as const }, 200);
  });
