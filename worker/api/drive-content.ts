/**
 * /api/v1 views of what one drive contains: its events, video, files, thumbnail and statistics. Each is read
 * access through loadRouteFor with the share link's exp/sig, exactly like GET /api/v1/routes/{fullname}; the work
 * is in services/ (the same functions comma's surface uses where it has an equivalent).
 */
import { createRoute } from "@hono/zod-openapi";
import { notFound } from "../errors";
import { apiRouter, errors, jsonContent, userAuth, z } from "../http/openapi";
import { publicOrigin } from "../http/params";
import { loadRouteFor } from "../services/drives/access";
import { routeEvents, routeThumbnail } from "../services/drives/derived";
import { routeFiles } from "../services/drives/files";
import { routeStats } from "../services/drives/stats";
import { routeVideo } from "../services/drives/video";

const RouteName = z.object({
  fullname: z
    .string()
    .openapi({ param: { name: "fullname", in: "path" }, description: "`<dongle_id>|<log_id>` (URL-encoded)" }),
});
const ShareLink = z.object({
  exp: z.string().optional().openapi({ description: "Share link expiry (from POST …/share or the route's share_exp)" }),
  sig: z.string().optional().openapi({ description: "Share link signature (share_sig)" }),
});
const request = { params: RouteName, query: ShareLink };
const readErrors = errors(400, 401, 404);
const tags = ["routes"];

const RouteEvent = z
  .object({
    type: z
      .string()
      .openapi({ description: "`state`, `event`, `user_flag`; older logs also `engage`, `disengage`, `alert`" }),
    time: z.number().openapi({ description: "logMonoTime (ns)" }),
    offset_millis: z.number().int().openapi({ description: "ms since the segment's first message (may be negative)" }),
    route_offset_millis: z.number().int().openapi({ description: "ms since the drive's start (initData)" }),
    data: z
      .record(z.string(), z.unknown())
      .openapi({ description: "state: {state, enabled, alertStatus}; event: {event_type, …}" }),
  })
  .passthrough()
  .openapi("RouteEvent");

const RouteVideo = z
  .object({
    url: z.string().openapi({
      description: "qcamera.m3u8 (HLS), signed with the drive's share signature: give it to a player as is",
    }),
    segments: z.array(
      z.object({
        number: z.number().int(),
        duration: z
          .number()
          .openapi({ description: "seconds, as the playlist declares it (60 until processing measured it)" }),
      }),
    ),
  })
  .openapi("RouteVideo");

const fileList = (what: string) =>
  z.array(z.string()).openapi({ description: `Signed URLs of the ${what}, in segment order` });
const RouteFiles = z
  .object({
    cameras: fileList("fcamera.hevc files"),
    dcameras: fileList("dcamera.hevc files"),
    ecameras: fileList("ecamera.hevc files"),
    logs: fileList("rlogs"),
    qcameras: fileList("qcamera.ts files"),
    qlogs: fileList("qlogs"),
  })
  .openapi("RouteFiles");

/** Event counts of a drive (and, summed, of a device's drives in GET /api/v1/devices/{dongle_id}/stats). */
export const DriveEvents = z.object({
  alerts: z.number().int().openapi({ description: "Alert spans (alertStatus turning non-zero)" }),
  user_flags: z.number().int().openapi({ description: "Bookmarks (user_flag)" }),
  engagements: z.number().int(),
  disengagements: z.number().int(),
});

const RouteStats = z
  .object({
    distance_miles: z.number(),
    duration_s: z.number(),
    average_speed_mph: z.number().openapi({ description: "0 when the duration is unknown" }),
    engaged_s: z.number().openapi({ description: "Time openpilot was engaged (state events' `enabled`)" }),
    engaged_share: z.number().openapi({ description: "engaged_s / duration_s, 0..1" }),
    events: DriveEvents,
  })
  .openapi("RouteStats");

const events = createRoute({
  method: "get",
  path: "/api/v1/routes/{fullname}/events",
  tags,
  security: userAuth,
  summary: "Every processed segment's events.json, concatenated in segment order (unprocessed segments are skipped)",
  request,
  responses: { 200: jsonContent(z.array(RouteEvent), "Events"), ...readErrors },
});
const video = createRoute({
  method: "get",
  path: "/api/v1/routes/{fullname}/video",
  tags,
  security: userAuth,
  summary: "The drive's qcamera HLS playlist URL and the segments it plays",
  request,
  responses: { 200: jsonContent(RouteVideo, "Playlist"), ...readErrors },
});
const files = createRoute({
  method: "get",
  path: "/api/v1/routes/{fullname}/files",
  tags,
  security: userAuth,
  summary: "Download URLs of every uploaded log and video file (the same lists as comma's /v1/route/{route}/files)",
  request,
  responses: { 200: jsonContent(RouteFiles, "Files"), ...readErrors },
});
const thumbnail = createRoute({
  method: "get",
  path: "/api/v1/routes/{fullname}/thumbnail",
  tags,
  security: userAuth,
  summary: "The first processed segment's thumbnail (JPEG); 404 `not_processed` while no segment has one",
  request,
  responses: {
    200: {
      description: "JPEG (ETag; If-None-Match → 304)",
      content: { "image/jpeg": { schema: z.string().openapi({ format: "binary" }) } },
    },
    304: { description: "Not modified" },
    ...readErrors,
  },
});
const stats = createRoute({
  method: "get",
  path: "/api/v1/routes/{fullname}/stats",
  tags,
  security: userAuth,
  summary:
    "Distance, duration, average speed, engaged time and event counts of the drive (from its processed segments)",
  request,
  responses: { 200: jsonContent(RouteStats, "Statistics"), ...readErrors },
});

export const routeContentApi = apiRouter()
  .openapi(events, async (c) => {
    const { route } = await loadRouteFor(
      c.env,
      c.var.db,
      c.var.principal,
      c.req.valid("param").fullname,
      "read",
      c.req.valid("query"),
    );
    return c.json(await routeEvents(c.env, c.var.db, route), 200);
  })
  .openapi(video, async (c) => {
    const { route } = await loadRouteFor(
      c.env,
      c.var.db,
      c.var.principal,
      c.req.valid("param").fullname,
      "read",
      c.req.valid("query"),
    );
    return c.json(await routeVideo(c.env, c.var.db, publicOrigin(c), route), 200);
  })
  .openapi(files, async (c) => {
    const { route } = await loadRouteFor(
      c.env,
      c.var.db,
      c.var.principal,
      c.req.valid("param").fullname,
      "read",
      c.req.valid("query"),
    );
    return c.json(await routeFiles(c.env, c.var.db, publicOrigin(c), route), 200);
  })
  .openapi(thumbnail, async (c) => {
    const { route } = await loadRouteFor(
      c.env,
      c.var.db,
      c.var.principal,
      c.req.valid("param").fullname,
      "read",
      c.req.valid("query"),
    );
    const res = await routeThumbnail(c.env, c.var.db, route, c.req.raw);
    if (!res) throw notFound("No segment of this drive has been processed yet", "not_processed");
    return res;
  })
  .openapi(stats, async (c) => {
    const { route } = await loadRouteFor(
      c.env,
      c.var.db,
      c.var.principal,
      c.req.valid("param").fullname,
      "read",
      c.req.valid("query"),
    );
    return c.json(routeStats(route, await routeEvents(c.env, c.var.db, route)), 200);
  });
