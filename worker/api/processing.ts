/** Admin tools for upload processing (services/processing/). */
import { createRoute } from "@hono/zod-openapi";
import { requireUser } from "../http/auth";
import { apiRouter, errors, jsonContent, userAuth, z } from "../http/openapi";
import { auditSource, recordAudit } from "../services/audit";
import { requireAdmin } from "../services/devices/adoption";
import { reprocessRoute } from "../services/processing/reprocess";

const ReprocessResult = z
  .object({
    fullname: z.string().openapi({ example: "9748a98e983e0b39|0000002c--d68dde99ca" }),
    enqueued: z.number().int().openapi({ description: "Files queued for processing (one per object in storage)" }),
    missing: z
      .array(z.string())
      .openapi({ description: "Booked files whose object is gone from storage; they end up failed" }),
  })
  .openapi("ReprocessResult");

const reprocess = createRoute({
  method: "post",
  path: "/api/v1/admin/routes/{fullname}/reprocess",
  tags: ["admin"],
  security: userAuth,
  summary: "Re-process a route from what is in storage (admins only)",
  description:
    "Re-queues every uploaded object of the route: derived files, segment states and the route's fields are rebuilt. " +
    "Idempotent. The route name is `<dongle_id>|<log_id>` (send `|` as `%7C`).",
  request: { params: z.object({ fullname: z.string().max(64) }) },
  responses: { 202: jsonContent(ReprocessResult, "Queued"), ...errors(400, 401, 403, 404, 409) },
});

export const processingApi = apiRouter().openapi(reprocess, async (c) => {
  requireAdmin(requireUser(c));
  const result = await reprocessRoute(c.env, c.var.db, c.req.valid("param").fullname);
  await recordAudit(c.var.db, {
    ...auditSource(c.var.principal, c.req.raw),
    action: "admin.action",
    target: { kind: "route", id: result.fullname },
    detail: { operation: "route.reprocess", enqueued: result.enqueued },
  });
  return c.json(result, 202);
});
