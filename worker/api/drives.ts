/** /api/v1 routes (drives): cursor-paged lists, details with segments, sharing, preserve, delete. */
import { createRoute } from "@hono/zod-openapi";
import { and, eq, inArray } from "drizzle-orm";
import { routeUsers, routes, segments } from "../db/schema";
import { batchesIdentity, requireUserCaller } from "../http/auth";
import { badRequest } from "../errors";
import { apiRouter, errors, jsonBody, jsonContent, userAuth, z } from "../http/openapi";
import { publicOrigin } from "../http/params";
import { loadUserWith } from "../services/access";
import { type DriveFilters, drivePageQuery, listDeviceDrives, listMyDrives } from "../services/drives/lists";
import { loadRouteFor, shareSignature } from "../services/drives/access";
import { type ListedRoute, segmentNumbersOf, segmentNumbersOfRoute } from "../services/drives/segments";
import { deleteRouteFor } from "../services/drives/deletion";
import { type RouteRow, type ViewContext, routeSegmentsView } from "../services/drives/views";
import type { Db } from "../db/client";

const Route = z
  .object({
    fullname: z.string().openapi({ example: "0123456789abcdef|0000002c--d68dde99ca" }),
    dongle_id: z.string(),
    create_time: z.number().int(),
    start_time: z.string().nullable(),
    end_time: z.string().nullable(),
    start_time_utc_millis: z.number(),
    end_time_utc_millis: z.number(),
    distance: z.number().openapi({ description: "miles" }),
    start_lat: z.number(),
    start_lng: z.number(),
    end_lat: z.number(),
    end_lng: z.number(),
    maxqlog: z.number().int(),
    procqlog: z.number().int(),
    url: z
      .string()
      .openapi({ description: "Prefix of derived files: `${url}/${segment}/coords.json`, events.json, sprite.jpg" }),
    is_public: z.boolean(),
    is_preserved: z.boolean(),
    segment_numbers: z.array(z.number().int()),
    segment_start_times: z.array(z.number()),
    segment_end_times: z.array(z.number()),
    share_exp: z.string(),
    share_sig: z.string(),
    platform: z.string().nullable(),
    version: z.string().nullable(),
  })
  .passthrough()
  .openapi("Route");

const Segment = z
  .object({
    number: z.number().int(),
    state: z.enum(["pending", "done", "failed"]),
    fail_reason: z.string().nullable(),
    has_qlog: z.boolean(),
    has_rlog: z.boolean(),
    has_qcamera: z.boolean(),
    has_fcamera: z.boolean(),
    has_ecamera: z.boolean(),
    has_dcamera: z.boolean(),
    qcamera_duration: z.number().nullable(),
  })
  .openapi("Segment");

const RouteName = z.object({
  fullname: z
    .string()
    .openapi({ param: { name: "fullname", in: "path" }, description: "`<dongle_id>|<log_id>` (URL-encoded)" }),
});
const Page = z.object({ routes: z.array(Route), next_cursor: z.string().nullable() }).openapi("RoutePage");
const Success = z.object({ success: z.literal(1) });

const list = createRoute({
  method: "get",
  path: "/api/v1/routes",
  tags: ["routes"],
  security: userAuth,
  summary: "Drives of all my devices (or one), newest first; pass next_cursor back as cursor for the next page",
  request: {
    query: z.object({
      dongle_id: z
        .string()
        .regex(/^[0-9a-f]{16}$/)
        .optional(),
      shared_with_me: z.enum(["true", "false"]).optional().openapi({
        description:
          "`true`: only the drives other people shared with me one by one (POST /api/v1/routes/{fullname}/users), which are not part of any device I can see",
      }),
      limit: z.coerce.number().int().min(1).max(100).default(25),
      cursor: z.string().max(64).optional(),
      from: z.coerce.number().optional().openapi({ description: "start time ≥ (ms)" }),
      to: z.coerce.number().optional().openapi({ description: "start time ≤ (ms)" }),
    }),
  },
  responses: { 200: jsonContent(Page, "A page of drives"), ...errors(400, 401, 404) },
});
const get = createRoute({
  method: "get",
  path: "/api/v1/routes/{fullname}",
  tags: ["routes"],
  security: userAuth,
  summary: "One drive (also readable when public or with its share link exp/sig)",
  request: { params: RouteName, query: z.object({ exp: z.string().optional(), sig: z.string().optional() }) },
  responses: { 200: jsonContent(Route, "The drive"), ...errors(400, 401, 404) },
});
const segs = createRoute({
  method: "get",
  path: "/api/v1/routes/{fullname}/segments",
  tags: ["routes"],
  security: userAuth,
  summary: "Segments with their files and processing state",
  request: { params: RouteName },
  responses: { 200: jsonContent(z.array(Segment), "Segments"), ...errors(400, 401, 404) },
});
const update = createRoute({
  method: "patch",
  path: "/api/v1/routes/{fullname}",
  tags: ["routes"],
  security: userAuth,
  summary: "Make public / preserve",
  request: {
    params: RouteName,
    ...jsonBody(z.object({ is_public: z.boolean().optional(), is_preserved: z.boolean().optional() })),
  },
  responses: { 200: jsonContent(Route, "Updated"), ...errors(400, 401, 403, 404) },
});
const share = createRoute({
  method: "post",
  path: "/api/v1/routes/{fullname}/share",
  tags: ["routes"],
  security: userAuth,
  summary: "A share link (valid one year) that opens this drive without an account",
  request: { params: RouteName },
  responses: {
    200: jsonContent(z.object({ exp: z.string(), sig: z.string(), url: z.string() }), "Link"),
    ...errors(401, 403, 404),
  },
});
const remove = createRoute({
  method: "delete",
  path: "/api/v1/routes/{fullname}",
  tags: ["routes"],
  security: userAuth,
  summary: "Delete a drive and its files; the device's later uploads of it are refused, so it never comes back",
  description:
    "Needs write access to the device. The drive disappears at once; its files are removed from storage by the " +
    "upload queue shortly after. Idempotent: deleting a drive that is already deleted answers 200 again (404 only for a " +
    "drive that never existed). comma's `DELETE /v1/route/{route_name}/` does the same.",
  request: { params: RouteName },
  responses: { 200: jsonContent(Success, "Deleted (or already deleted)"), ...errors(400, 401, 403, 404) },
});

/** Cursor = "<start_time_ms>:<id>" of the last item: stable under inserts, index-friendly. */
function decodeCursor(cursor: string | undefined) {
  if (!cursor) return null;
  const m = /^(-?\d+):(\d+)$/.exec(cursor);
  if (!m) throw badRequest("invalid_cursor", "cursor must be a next_cursor value from a previous page");
  return { start: Number(m[1]), id: Number(m[2]) };
}

export const routesApi = apiRouter()
  .openapi(
    list,
    batchesIdentity(async (c) => {
      const caller = requireUserCaller(c);
      const q = c.req.valid("query");
      const cursor = decodeCursor(q.cursor);
      const sharedOnly = q.shared_with_me === "true";
      if (sharedOnly && q.dongle_id)
        throw badRequest("invalid_query", "shared_with_me and dongle_id cannot be combined");
      const db = c.var.db;
      const filters: DriveFilters = { startFrom: q.from, startTo: q.to, after: cursor ?? undefined };
      let userId: string;
      let rows: ListedRoute[];
      if (q.dongle_id) {
        // One round trip: the caller, the device and its share, the page and its segments.
        const list = await listDeviceDrives(db, caller, q.dongle_id, "start", filters, q.limit + 1);
        userId = list.userId!; // a user caller always has an id
        rows = list.drives;
      } else if (sharedOnly) {
        const [me, [page]] = await loadUserWith(
          db,
          caller,
          (id) =>
            [
              drivePageQuery(
                db,
                inArray(
                  routes.fullname,
                  db.select({ fullname: routeUsers.fullname }).from(routeUsers).where(eq(routeUsers.userId, id)),
                ),
                "start",
                filters,
                q.limit + 1,
              ),
            ] as const,
        );
        userId = me.id;
        rows = page;
      } else {
        ({ userId, drives: rows } = await listMyDrives(db, caller, filters, q.limit + 1));
      }
      const page = rows.slice(0, q.limit);
      const origin = publicOrigin(c);
      const out = await Promise.all(
        page.map(async (r) =>
          routeSegmentsView(r, segmentNumbersOf(r), {
            env: c.env,
            origin,
            userId,
            share: await shareSignature(c.env, r.fullname),
          }),
        ),
      );
      const last = page[page.length - 1];
      return c.json(
        { routes: out, next_cursor: rows.length > q.limit && last ? `${last.startTimeMs ?? 0}:${last.id}` : null },
        200,
      );
    }),
  )
  .openapi(get, async (c) => {
    const { route } = await loadRouteFor(
      c.env,
      c.var.db,
      c.var.principal,
      c.req.valid("param").fullname,
      "read",
      c.req.valid("query"),
    );
    return c.json(await fullView(c.env, c.var.db, publicOrigin(c), route), 200);
  })
  .openapi(segs, async (c) => {
    const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, c.req.valid("param").fullname, "read");
    const rows = await c.var.db
      .select()
      .from(segments)
      .where(and(eq(segments.dongleId, route.dongleId), eq(segments.logId, route.logId)))
      .orderBy(segments.number);
    return c.json(
      rows.map((s) => ({
        number: s.number,
        state: s.state,
        fail_reason: s.failReason,
        has_qlog: s.hasQlog,
        has_rlog: s.hasRlog,
        has_qcamera: s.hasQcamera,
        has_fcamera: s.hasFcamera,
        has_ecamera: s.hasEcamera,
        has_dcamera: s.hasDcamera,
        qcamera_duration: s.qcameraDuration,
      })),
      200,
    );
  })
  .openapi(update, async (c) => {
    const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, c.req.valid("param").fullname, "write");
    const body = c.req.valid("json");
    const [row] = await c.var.db
      .update(routes)
      .set({
        ...(body.is_public !== undefined ? { isPublic: body.is_public } : {}),
        ...(body.is_preserved !== undefined ? { isPreserved: body.is_preserved } : {}),
      })
      .where(eq(routes.id, route.id))
      .returning();
    return c.json(await fullView(c.env, c.var.db, publicOrigin(c), row), 200);
  })
  .openapi(share, async (c) => {
    const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, c.req.valid("param").fullname, "write");
    const sig = await shareSignature(c.env, route.fullname);
    return c.json(
      { ...sig, url: `${publicOrigin(c)}/routes/${encodeURIComponent(route.fullname)}?${new URLSearchParams(sig)}` },
      200,
    );
  })
  .openapi(remove, async (c) => {
    await deleteRouteFor(c.env, c.var.db, c.var.principal, c.req.valid("param").fullname, c.req.raw);
    return c.json({ success: 1 as const }, 200);
  });

async function fullView(env: Env, db: Db, origin: string, route: RouteRow) {
  const ctx: ViewContext = { env, origin, userId: null, share: await shareSignature(env, route.fullname) };
  return routeSegmentsView(route, await segmentNumbersOfRoute(db, route), ctx);
}
