/**
 * comma-compatible route endpoints (docs/connect-api.md §3, §6): route objects, sharing, preserve, the files list,
 * the qcamera playlist, derived files under route.url, and signed media. Thin: the work is in services/.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { routes } from "../db/schema";
import type { AppEnv } from "../http/app-env";
import { batchesIdentity, callerOf } from "../http/auth";
import { badRequest, notFound } from "../errors";
import { jsonBody, numberQuery, publicOrigin } from "../http/params";
import { checkSignature } from "../protocol/signed-url";
import { loadDeviceFor } from "../services/access";
import { MEDIA_PATH_PREFIX, serveObject } from "../services/drives/media";
import { qcameraPlaylist } from "../services/drives/playlist";
import { listDeviceDrives } from "../services/drives/lists";
import { segmentNumbersOf } from "../services/drives/segments";
import { loadRouteFor, parseRouteName, shareSignature } from "../services/drives/access";
import { deleteRouteFor } from "../services/drives/deletion";
import { routeFiles } from "../services/drives/files";
import { playlistEntries } from "../services/drives/video";
import {
  DERIVED_FILES,
  type DerivedFile,
  type ViewContext,
  derivedKey,
  routeSegmentsView,
  routeUrlToken,
  routeView,
} from "../services/drives/views";

export const commaRoutes = new Hono<AppEnv>({ strict: false });

async function viewContext(c: Context<AppEnv>, fullname: string, userId: string | null): Promise<ViewContext> {
  return { env: c.env, origin: publicOrigin(c), userId, share: await shareSignature(c.env, fullname) };
}

const link = (c: { req: { query(k: string): string | undefined } }) => ({
  exp: c.req.query("exp"),
  sig: c.req.query("sig"),
});

commaRoutes.get("/v1/route/:route", async (c) => {
  const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, c.req.param("route"), "read", link(c));
  return c.json(await routeView(route, await viewContext(c, route.fullname, null)));
});

commaRoutes.patch("/v1/route/:route", async (c) => {
  const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, c.req.param("route"), "write");
  const body = await jsonBody<{ is_public?: unknown }>(c);
  if (typeof body?.is_public !== "boolean") throw badRequest("invalid_request", "is_public must be a boolean");
  const [updated] = await c.var.db
    .update(routes)
    .set({ isPublic: body.is_public })
    .where(eq(routes.id, route.id))
    .returning();
  return c.json(await routeView(updated, await viewContext(c, route.fullname, null)));
});

/** The PWA's and comma's delete: same service as DELETE /api/v1/routes/{fullname} (idempotent, 200 when repeated). */
commaRoutes.delete("/v1/route/:route", async (c) => {
  await deleteRouteFor(c.env, c.var.db, c.var.principal, c.req.param("route"), c.req.raw);
  return c.json({ success: 1 });
});

commaRoutes.get("/v1/route/:route/share_signature", async (c) => {
  const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, c.req.param("route"), "read");
  return c.json(await shareSignature(c.env, route.fullname));
});

for (const [method, preserved] of [
  ["post", true],
  ["delete", false],
] as const) {
  commaRoutes.on(method.toUpperCase(), "/v1/route/:route/preserve", async (c) => {
    const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, c.req.param("route"), "write");
    await c.var.db.update(routes).set({ isPreserved: preserved }).where(eq(routes.id, route.id));
    return c.json({ success: 1 });
  });
}

commaRoutes.get("/v1/route/:route/files", async (c) => {
  const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, c.req.param("route"), "read", link(c));
  return c.json(await routeFiles(c.env, c.var.db, publicOrigin(c), route));
});

commaRoutes.get("/v1/route/:route/qcamera.m3u8", async (c) => {
  const { route } = await loadRouteFor(c.env, c.var.db, c.var.principal, c.req.param("route"), "read", link(c));
  const entries = await playlistEntries(c.env, c.var.db, publicOrigin(c), route);
  return c.body(qcameraPlaylist(entries), 200, {
    "Content-Type": "application/vnd.apple.mpegurl",
    "Cache-Control": "private, max-age=60",
  });
});

/** route.url + "/<segment>/<file>": capability URL, no auth header (comma's apps fetch these plainly). */
commaRoutes.get("/v1/route/:route/derived/:token/:segment/:file", async (c) => {
  const { fullname, dongleId, logId } = parseRouteName(c.req.param("route"));
  const file = c.req.param("file") as DerivedFile;
  const segment = c.req.param("segment");
  if (!DERIVED_FILES.includes(file) || !/^[0-9]{1,6}$/.test(segment)) throw notFound();
  if (c.req.param("token") !== (await routeUrlToken(c.env, fullname)))
    throw notFound("Route not found", "route_not_found");
  const route = await c.var.db.query.routes.findFirst({
    columns: { deletedAt: true },
    where: eq(routes.fullname, fullname),
  });
  if (!route || route.deletedAt) throw notFound("Route not found", "route_not_found");
  const res = await serveObject(c.env.MEDIA, derivedKey(dongleId, logId, Number(segment), file), c.req.raw);
  if (!res) throw notFound("This segment has not been processed", "not_processed");
  return res;
});

/** Path-signed media: /media/v1/<dongle>/<log_id>/<seg>/<file>?exp&sig (Range-capable, for players and tools). */
commaRoutes.get(`${MEDIA_PATH_PREFIX}*`, async (c) => {
  const path = new URL(c.req.url).pathname;
  const check = await checkSignature(c.env.URL_SIGNING_SECRET, "media", path, c.req.query("exp"), c.req.query("sig"));
  if (check !== "ok") throw badRequest(`${check}_signature`, "Media URL signature is missing, invalid or expired");
  const res = await serveObject(c.env.MEDIA, decodeURIComponent(path.slice(MEDIA_PATH_PREFIX.length)), c.req.raw);
  if (!res) throw notFound("File not found", "file_not_found");
  return res;
});

/** Route lists of a device: newest first, `created_before`/`created_after` cursors (new-connect pages with limit=10). */
commaRoutes.get(
  "/v1/devices/:dongle/routes",
  batchesIdentity(async (c: Context<AppEnv, "/v1/devices/:dongle/routes">) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 20) || 20, 1), 1000);
    const { userId, drives } = await listDeviceDrives(
      c.var.db,
      callerOf(c),
      c.req.param("dongle"),
      "created",
      {
        createdBefore: numberQuery(c, "created_before"),
        createdFrom: numberQuery(c, "created_after"),
      },
      limit,
    );
    const origin = publicOrigin(c);
    return c.json(
      await Promise.all(
        drives.map(async (r) =>
          routeView(r, { env: c.env, origin, userId, share: await shareSignature(c.env, r.fullname) }),
        ),
      ),
    );
  }),
);

commaRoutes.get("/v1/devices/:dongle/routes/preserved", async (c) => {
  const { device, user } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "read");
  const rows = await c.var.db
    .select()
    .from(routes)
    .where(and(eq(routes.dongleId, device.dongleId), isNull(routes.deletedAt), eq(routes.isPreserved, true)))
    .orderBy(desc(routes.createTime));
  const origin = publicOrigin(c);
  return c.json(
    await Promise.all(
      rows.map(async (r) =>
        routeView(r, { env: c.env, origin, userId: user?.id ?? null, share: await shareSignature(c.env, r.fullname) }),
      ),
    ),
  );
});

/** comma's official app lists drives through this: start/end (ms) window or one route_str. */
commaRoutes.get(
  "/v1/devices/:dongle/routes_segments",
  batchesIdentity(async (c: Context<AppEnv, "/v1/devices/:dongle/routes_segments">) => {
    const routeStr = c.req.query("route_str");
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 100) || 100, 1), 1000);
    const { userId, drives } = await listDeviceDrives(
      c.var.db,
      callerOf(c),
      c.req.param("dongle"),
      "start",
      {
        fullname: routeStr ? parseRouteName(routeStr).fullname : undefined,
        startFrom: numberQuery(c, "start"),
        startTo: numberQuery(c, "end"),
      },
      limit,
    );
    const origin = publicOrigin(c);
    return c.json(
      await Promise.all(
        drives.map(async (r) =>
          routeSegmentsView(r, segmentNumbersOf(r), {
            env: c.env,
            origin,
            userId,
            share: await shareSignature(c.env, r.fullname),
          }),
        ),
      ),
    );
  }),
);
