/**
 * The route row's comma fields (start/end times, lat/lng, distance, version, git, car…) recomputed from EVERY
 * processed segment (segment_qlogs) with worker/logs aggregateRoute, never incrementally: segments arriving in any
 * order, or twice, give the same row. The drive's engaged time and event counts are part of it (drive-stats.ts).
 *
 * Two consumers can finish segments of one route at the same time. Each writes only if the set of processed
 * segments (number:etag) is still the one it aggregated (compare-and-set in SQL); otherwise it re-reads and
 * tries again, so the last write always covers every segment.
 */
import { and, eq, sql } from "drizzle-orm";
import { type Db, database } from "../../db/client";
import { routes, segmentQlogs, segments } from "../../db/schema";
import { aggregateRoute, SEGMENT_LENGTH_MS, type RouteFields, type SegmentMeta } from "../../logs";
import { driveStatsColumns, type DriveStatsColumns, type SegmentStatsMeta } from "./drive-stats";

const MAX_ROUNDS = 5;

/**
 * The compare-and-set guard: the processed segment set as "n:etag,…". Only ever compared with a value the same
 * SQL produced (never rebuilt in JS), so group_concat's order need only be consistent, not documented.
 */
function fingerprintOf(db: Db, dongleId: string, logId: string) {
  const processed = db
    .select({ number: segmentQlogs.number, etag: segmentQlogs.etag })
    .from(segmentQlogs)
    .where(and(eq(segmentQlogs.dongleId, dongleId), eq(segmentQlogs.logId, logId)))
    .orderBy(segmentQlogs.number)
    .as("processed");
  return sql<string>`(SELECT coalesce(group_concat(${processed.number} || ':' || ${processed.etag}, ','), '') FROM ${processed})`;
}

export interface MetaRow {
  number: number;
  etag: string;
  meta: SegmentMeta & SegmentStatsMeta;
}

/** Every processed segment of the route and the fingerprint of that set, read in one statement. */
export async function readProcessedSegments(
  env: Env,
  dongleId: string,
  logId: string,
): Promise<{ fingerprint: string; rows: MetaRow[] }> {
  const db = database(env);
  const rows = await db
    .select({
      number: segmentQlogs.number,
      etag: segmentQlogs.etag,
      meta: segmentQlogs.meta,
      fingerprint: fingerprintOf(db, dongleId, logId),
    })
    .from(segmentQlogs)
    .where(and(eq(segmentQlogs.dongleId, dongleId), eq(segmentQlogs.logId, logId)))
    .orderBy(segmentQlogs.number);
  // No processed segment: the fingerprint of the empty set is "" (coalesce above).
  return {
    fingerprint: rows[0]?.fingerprint ?? "",
    rows: rows.map((r) => ({ number: r.number, etag: r.etag, meta: r.meta as MetaRow["meta"] })),
  };
}

/** comma's route fields plus the drive statistics columns (null: unknown, see driveStatsColumns). */
export interface RouteAggregate extends RouteFields {
  stats: DriveStatsColumns | null;
}

export function aggregateRows(rows: readonly MetaRow[]): RouteAggregate | null {
  if (!rows.length) return null;
  const fields = aggregateRoute(rows);
  return { ...fields, stats: driveStatsColumns(fields, rows) };
}

export async function reaggregateRoute(env: Env, dongleId: string, logId: string): Promise<RouteAggregate | null> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { fingerprint, rows } = await readProcessedSegments(env, dongleId, logId);
    const fields = aggregateRows(rows);
    if (await writeRouteAggregate(env, dongleId, logId, fields, fingerprint)) return fields;
    const exists = await database(env)
      .select({ id: routes.id })
      .from(routes)
      .where(and(eq(routes.dongleId, dongleId), eq(routes.logId, logId)))
      .get();
    if (!exists) return null;
  }
  // Unexpected (the dispatcher retries the message): the segment set kept changing under us.
  throw new Error(`route ${dongleId}|${logId}: aggregate kept changing during ${MAX_ROUNDS} rounds`);
}

/**
 * Writes the route fields (and segment times) only if the processed segment set is still `fingerprint` (from
 * readProcessedSegments); false when it changed meanwhile (or the route row is gone).
 */
export async function writeRouteAggregate(
  env: Env,
  dongleId: string,
  logId: string,
  fields: RouteAggregate | null,
  fingerprint: string,
): Promise<boolean> {
  const db = database(env);
  const [route] = await db.batch([
    routeUpdate(db, dongleId, logId, fields, fingerprint),
    segmentTimesUpdate(db, dongleId, logId, fields, fingerprint),
  ]);
  return route.meta.changes > 0;
}

function routeUpdate(db: Db, dongleId: string, logId: string, f: RouteAggregate | null, fingerprint: string) {
  const st = f?.stats ?? null;
  return db
    .update(routes)
    .set({
      startTimeMs: f?.start_time_utc_millis ?? null,
      endTimeMs: f?.end_time_utc_millis ?? null,
      startLat: f?.start_lat ?? null,
      startLng: f?.start_lng ?? null,
      endLat: f?.end_lat ?? null,
      endLng: f?.end_lng ?? null,
      distanceMiles: f ? f.distance : null,
      procqlog: f ? f.maxqlog : -1,
      version: f?.version ?? null,
      gitBranch: f?.git_branch ?? null,
      gitCommit: f?.git_commit ?? null,
      gitCommitDate: f?.git_commit_date ?? null,
      gitDirty: f?.git_dirty ?? null,
      gitRemote: f?.git_remote ?? null,
      platform: f?.platform ?? null,
      make: f?.make ?? null,
      vin: f?.vin ?? null,
      deviceType: f?.device_type ?? null,
      engagedMs: st?.engagedMs ?? null,
      alertCount: st?.alerts ?? null,
      userFlagCount: st?.userFlags ?? null,
      engagementCount: st?.engagements ?? null,
      disengagementCount: st?.disengagements ?? null,
    })
    .where(
      and(
        eq(routes.dongleId, dongleId),
        eq(routes.logId, logId),
        sql`${fingerprintOf(db, dongleId, logId)} = ${fingerprint}`,
      ),
    );
}

/**
 * Every segment row of the route gets comma's times: start + 60 s·n, ending 60 s later, except the last
 * processed segment, which ends at the route's end (the lead's route views compute the same from the route row).
 */
function segmentTimesUpdate(db: Db, dongleId: string, logId: string, f: RouteFields | null, fingerprint: string) {
  const start = f?.start_time_utc_millis ?? null;
  const end = f?.end_time_utc_millis ?? null;
  const lastNumber = f && f.segment_numbers.length ? f.segment_numbers[f.segment_numbers.length - 1] : -1;
  const fullEnd = sql`${start} + ${SEGMENT_LENGTH_MS} * (${segments.number} + 1)`;
  const startTimeMs = start === null ? sql`NULL` : sql`${start} + ${SEGMENT_LENGTH_MS} * ${segments.number}`;
  const endTimeMs =
    start === null
      ? sql`NULL`
      : end === null
        ? fullEnd
        : sql`CASE WHEN ${segments.number} = ${lastNumber} THEN ${end} ELSE ${fullEnd} END`;
  return db
    .update(segments)
    .set({ startTimeMs, endTimeMs })
    .where(
      and(
        eq(segments.dongleId, dongleId),
        eq(segments.logId, logId),
        // Only rows whose times change: a new segment moves at most the previous last one's end, so rewriting the
        // whole route for every file was most of processing's D1 rows written (billed per row).
        sql`(${segments.startTimeMs} IS NOT ${startTimeMs} OR ${segments.endTimeMs} IS NOT ${endTimeMs})`,
        sql`${fingerprintOf(db, dongleId, logId)} = ${fingerprint}`,
      ),
    );
}
