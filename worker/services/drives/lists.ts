/**
 * The drive lists of one device (routes_segments, /v1/devices/:d/routes, /api/v1/routes) and of "all my devices"
 * as one prepared statement each: the caller's facts (user ⋈ device ⋈ share, or the user and how many devices they
 * see) FULL JOIN a page of drives with their segment numbers. One D1 round trip, and no query building per request:
 * drizzle builds a select of this size in ~0.4 ms of CPU, as long as SQLite takes to run it, so each shape (which
 * optional filters are present) is built and prepared once per isolate and reused with new values.
 *
 * FULL JOIN ON true keeps both sides whatever the other holds: no drives → one row with the facts, no user row
 * (removed account, or a device calling with user id NULL) → the drives with no facts, both → N rows each carrying
 * the facts (five small cells). The page is computed before access is decided; callers only hand it out after
 * `decideFromFacts` (services/access.ts) passed.
 */
import {
  type Placeholder,
  type SQL,
  type SQLWrapper,
  and,
  desc,
  eq,
  gte,
  inArray,
  isNull,
  lt,
  lte,
  or,
  sql,
} from "drizzle-orm";
import { type Db, prepared } from "../../db/client";
import type { Caller, UserCaller } from "../principal";
import { accountGone, decideFromFacts } from "../access";
import { deviceUsers, devices, routes, users } from "../../db/schema";
import { LIST_COLUMNS, segmentNumbers } from "./segments";

/** Optional filters of a device's drive list; which of them are present is the statement's shape. */
export interface DriveFilters {
  /** One drive by name (routes_segments?route_str). */
  fullname?: string;
  /** start_time_ms ≥ / ≤ (routes_segments start/end, /api/v1/routes from/to). */
  startFrom?: number;
  startTo?: number;
  /** create_time < / ≥ (new-connect's created_before / created_after). */
  createdBefore?: number;
  createdFrom?: number;
  /** Keyset cursor of /api/v1/routes: drives after (start, id) in (start desc, id desc) order. */
  after?: { start: number; id: number };
}

/** "start": start_time_ms desc (comma's routes_segments, our API); "created": create_time desc (new-connect). */
export type DriveOrder = "start" | "created";

const p = sql.placeholder;

/** The values of the filters by placeholder name. */
function filterValues(f: DriveFilters): Record<string, unknown> {
  return {
    fullname: f.fullname,
    startFrom: f.startFrom,
    startTo: f.startTo,
    createdBefore: f.createdBefore,
    createdFrom: f.createdFrom,
    afterStart: f.after?.start,
    afterId: f.after?.id,
  };
}

/** The filters as conditions; `value(name)` writes a value: a placeholder (prepared statements) or the value itself. */
function filterConditions(f: DriveFilters, value: (name: string) => SQLWrapper): SQL[] {
  const out: SQL[] = [isNull(routes.deletedAt)];
  if (f.fullname !== undefined) out.push(eq(routes.fullname, value("fullname")));
  if (f.startFrom !== undefined) out.push(gte(routes.startTimeMs, value("startFrom")));
  if (f.startTo !== undefined) out.push(lte(routes.startTimeMs, value("startTo")));
  if (f.createdBefore !== undefined) out.push(lt(routes.createTime, value("createdBefore")));
  if (f.createdFrom !== undefined) out.push(gte(routes.createTime, value("createdFrom")));
  if (f.after !== undefined) {
    // The redundant `<=` is what lets SQLite seek the (dongle_id, start_time_ms) index to the cursor: with bound
    // parameters it does not derive a range from the OR alone and walked every newer drive (3 ms at drive 5 000).
    out.push(lte(routes.startTimeMs, value("afterStart")));
    out.push(
      or(
        lt(routes.startTimeMs, value("afterStart")),
        and(eq(routes.startTimeMs, value("afterStart")), lt(routes.id, value("afterId"))),
      )!,
    );
  }
  return out;
}

const FILTERS = [
  "fullname",
  "startFrom",
  "startTo",
  "createdBefore",
  "createdFrom",
  "after",
] as const satisfies (keyof DriveFilters)[];

/** Which statement serves these filters: the scope, the order and the filters that are present. */
function shapeKey(scope: string, order: DriveOrder, f: DriveFilters): string {
  return [scope, order, ...FILTERS.filter((k) => f[k] !== undefined)].join(" ");
}

function pageQuery(
  db: Db,
  owner: SQL,
  order: DriveOrder,
  f: DriveFilters,
  value: (name: string) => SQLWrapper,
  limit: number | Placeholder,
) {
  const by = order === "start" ? routes.startTimeMs : routes.createTime;
  return db
    .select({ ...LIST_COLUMNS, segmentNumbers })
    .from(routes)
    .where(and(owner, ...filterConditions(f, value)))
    .orderBy(desc(by), desc(routes.id))
    .limit(limit);
}

const pageOf = (db: Db, owner: SQL, order: DriveOrder, f: DriveFilters) =>
  pageQuery(db, owner, order, f, p, p("limit")).as("page");

/** A page built for one request (lists that have no prepared statement: several devices, single shared drives). */
export function drivePageQuery(db: Db, owner: SQL, order: DriveOrder, f: DriveFilters, limit: number) {
  const values = filterValues(f);
  return pageQuery(db, owner, order, f, (name) => sql`${values[name]}`, limit);
}

/** The caller's standing towards one device: their role, whether it exists, its owner and their share of it. */
function deviceFacts(db: Db) {
  return db
    .select({
      userId: sql<string>`${users.id}`.as("caller_user_id"),
      role: users.role,
      deviceId: sql<string | null>`${devices.dongleId}`.as("caller_device_id"),
      ownerId: devices.ownerId,
      permission: deviceUsers.permission,
    })
    .from(users)
    .leftJoin(devices, eq(devices.dongleId, p("dongleId")))
    .leftJoin(deviceUsers, and(eq(deviceUsers.dongleId, devices.dongleId), eq(deviceUsers.userId, users.id)))
    .where(eq(users.id, p("userId")))
    .as("facts");
}

// The dongle ids a user sees: owned or shared with them.
const myDongles = sql`SELECT ${devices.dongleId} FROM ${devices} WHERE ${devices.ownerId} = ${p("userId")}
  UNION SELECT ${deviceUsers.dongleId} FROM ${deviceUsers} WHERE ${deviceUsers.userId} = ${p("userId")}`;

/** The user and the devices they see, as "id,id" (the page below is filled only when there is exactly one). */
function myDevicesFacts(db: Db) {
  return db
    .select({
      userId: sql<string>`${users.id}`.as("caller_user_id"),
      role: users.role,
      dongleIds: sql<string | null>`(SELECT group_concat(dongle_id) FROM (${myDongles}))`.as("caller_dongle_ids"),
    })
    .from(users)
    .where(eq(users.id, p("userId")))
    .as("facts");
}

const orderColumn = (order: DriveOrder) => (order === "start" ? "startTimeMs" : "createTime");

function deviceStatement(db: Db, order: DriveOrder, f: DriveFilters) {
  const page = pageOf(db, eq(routes.dongleId, p("dongleId")), order, f);
  return db
    .select()
    .from(page)
    .fullJoin(deviceFacts(db), sql`true`)
    .orderBy(desc(page[orderColumn(order)]), desc(page.id))
    .prepare();
}

function onlyDeviceStatement(db: Db, order: DriveOrder, f: DriveFilters) {
  // The only device's drives, named through a scalar subquery so SQLite still walks the (dongle_id, start_time_ms)
  // index in order; the constant condition empties the page for anyone with more or fewer devices.
  const page = pageOf(
    db,
    and(sql`(SELECT count(*) FROM (${myDongles})) = 1`, sql`${routes.dongleId} = (${myDongles})`)!,
    order,
    f,
  );
  return db
    .select()
    .from(page)
    .fullJoin(myDevicesFacts(db), sql`true`)
    .orderBy(desc(page[orderColumn(order)]), desc(page.id))
    .prepare();
}

function split<F, D>(rows: { facts: F | null; page: D | null }[]) {
  return {
    facts: rows.find((r) => r.facts)?.facts ?? undefined,
    drives: rows.flatMap((r) => (r.page ? [r.page] : [])),
  };
}

/** The prepared statement for a shape (exported for the query-plan test). */
export function drivePageStatement(
  db: Db,
  scope: "device",
  order: DriveOrder,
  filters: DriveFilters,
): ReturnType<typeof deviceStatement>;
export function drivePageStatement(
  db: Db,
  scope: "mine",
  order: DriveOrder,
  filters: DriveFilters,
): ReturnType<typeof onlyDeviceStatement>;
export function drivePageStatement(db: Db, scope: "device" | "mine", order: DriveOrder, filters: DriveFilters) {
  return prepared(db, `drive-page ${shapeKey(scope, order, filters)}`, () =>
    (scope === "device" ? deviceStatement : onlyDeviceStatement)(db, order, filters),
  );
}

/**
 * One page (`limit` drives at most) of a device's drives, and the facts about `userId` and that device: undefined
 * when there is no such user (or `userId` is null, for a device calling).
 */
async function deviceDrivePage(
  db: Db,
  userId: string | null,
  dongleId: string,
  order: DriveOrder,
  filters: DriveFilters,
  limit: number,
) {
  const statement = drivePageStatement(db, "device", order, filters);
  return split(await statement.all({ ...filterValues(filters), userId, dongleId, limit }));
}

/** One page of drives of the caller's only device (empty when they see several: `facts.dongleIds` names them). */
async function onlyDeviceDrivePage(db: Db, userId: string, order: DriveOrder, filters: DriveFilters, limit: number) {
  const statement = drivePageStatement(db, "mine", order, filters);
  return split(await statement.all({ ...filterValues(filters), userId, limit }));
}

/**
 * A page of a device's drives for a caller who may read it (services/access.ts rules; 401/403/404 otherwise), with
 * the caller's user id (null for the device itself). One D1 round trip, the caller's user row included.
 */
export async function listDeviceDrives(
  db: Db,
  caller: Caller | null,
  dongleId: string,
  order: DriveOrder,
  filters: DriveFilters,
  limit: number,
) {
  if (!caller || caller.kind === "device") {
    decideFromFacts(caller, dongleId, undefined, "read");
    return { userId: null, drives: (await deviceDrivePage(db, null, dongleId, order, filters, limit)).drives };
  }
  const { facts, drives } = await deviceDrivePage(
    db,
    caller.kind === "user" ? caller.user.id : caller.userId,
    dongleId,
    order,
    filters,
    limit,
  );
  return { userId: decideFromFacts(caller, dongleId, facts, "read").userId, drives };
}

/**
 * A page of the drives of every device the user owns or shares, newest first: one round trip for a user with one
 * device (the usual case), two with several (named by value: `IN (subquery)` would sort every drive).
 */
export async function listMyDrives(db: Db, caller: UserCaller, filters: DriveFilters, limit: number) {
  const { facts, drives } = await onlyDeviceDrivePage(
    db,
    caller.kind === "user" ? caller.user.id : caller.userId,
    "start",
    filters,
    limit,
  );
  if (!facts) throw accountGone();
  const dongleIds = facts.dongleIds ? facts.dongleIds.split(",") : [];
  if (dongleIds.length <= 1) return { userId: facts.userId, drives };
  return {
    userId: facts.userId,
    drives: await drivePageQuery(db, inArray(routes.dongleId, dongleIds), "start", filters, limit),
  };
}
