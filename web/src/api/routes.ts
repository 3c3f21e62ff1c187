/** Routes (drives): comma-compatible endpoints (docs/connect-api.md §3, §6.1), and our per-drive sharing. */
import { request } from "./client";
import type { Route, RouteFiles, RouteUser, ShareSignature } from "./types";

const r = (fullname: string) => encodeURIComponent(fullname);

export const PAGE_SIZE = 10;

/** Newest first; pass the last route's create_time as `before` for the next page. */
export const listRoutes = (dongleId: string, opts: { limit?: number; before?: number } = {}) => {
  const q = new URLSearchParams({ limit: String(opts.limit ?? PAGE_SIZE) });
  if (opts.before !== undefined) q.set("created_before", String(opts.before));
  return request<Route[]>(`/v1/devices/${encodeURIComponent(dongleId)}/routes?${q}`);
};

/**
 * The next page after `loaded`. create_time has one-second resolution, so several drives can share the cursor
 * value (bulk uploads, imports): ask from one second later, with room for the ties already shown, and drop those.
 * Needs the server's stable order (create_time desc, then id desc).
 */
export async function nextRoutes(dongleId: string, loaded: Route[], pageSize = PAGE_SIZE): Promise<Route[]> {
  const last = loaded.at(-1);
  if (!last) return listRoutes(dongleId, { limit: pageSize });
  const ties = loaded.filter((r) => r.create_time === last.create_time).length;
  const page = await listRoutes(dongleId, { before: last.create_time + 1, limit: pageSize + ties });
  const seen = new Set(loaded.map((r) => r.fullname));
  return page.filter((r) => !seen.has(r.fullname));
}

export const getRoute = (fullname: string) => request<Route>(`/v1/route/${r(fullname)}/`);
export const setPublic = (fullname: string, isPublic: boolean) =>
  request<Route>(`/v1/route/${r(fullname)}/`, { method: "PATCH", json: { is_public: isPublic } });
export const setPreserved = (fullname: string, preserved: boolean) =>
  request(`/v1/route/${r(fullname)}/preserve`, { method: preserved ? "POST" : "DELETE" });
export const getFiles = (fullname: string) => request<RouteFiles>(`/v1/route/${r(fullname)}/files`);
export const deleteRoute = (fullname: string) => request(`/v1/route/${r(fullname)}/`, { method: "DELETE" });

/** Drives other people shared with me one by one (they belong to devices I cannot otherwise see). */
export const listSharedWithMe = (limit = 6) =>
  request<{ routes: Route[]; next_cursor: string | null }>(`/api/v1/routes?shared_with_me=true&limit=${limit}`).then(
    (p) => p.routes,
  );

/** People this drive alone is shared with (view only; sharing the whole device is on the device page). */
export const listRouteUsers = (fullname: string) => request<RouteUser[]>(`/api/v1/routes/${r(fullname)}/users`);
export const shareRoute = (fullname: string, email: string) =>
  request(`/api/v1/routes/${r(fullname)}/users`, { json: { email } });
export const unshareRoute = (fullname: string, email: string) =>
  request(`/api/v1/routes/${r(fullname)}/users/${encodeURIComponent(email)}`, { method: "DELETE" });

/** The HLS playlist URL, authorised by its signed query (video players cannot send our header). */
export async function qcameraUrl(fullname: string): Promise<string> {
  const sig = await request<ShareSignature>(`/v1/route/${r(fullname)}/share_signature`);
  return `/v1/route/${r(fullname)}/qcamera.m3u8?${new URLSearchParams({ ...sig })}`;
}

/** "<dongle>|<log>" ↔ the app's URL "/routes/<dongle>/<log>". */
export const routePath = (fullname: string) => `/routes/${fullname.replace("|", "/")}`;
export const splitName = (fullname: string) => {
  const [dongleId, logId] = fullname.split("|");
  return { dongleId, logId };
};
