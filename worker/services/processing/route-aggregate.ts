/**
 * The route row's comma fields (start/end times, lat/lng, distance, version, git, car…) recomputed from EVERY
 * processed segment (segment_qlogs) with worker/logs aggregateRoute, never incrementally: segments arriving in any
 * order, or twice, give the same row. The drive's engaged time and event counts are part of it (drive-stats.ts).
 *
 * Two consumers can finish segments of one route at the same time. Each writes only if the set of processed
 * segments (number:etag) is still the one it aggregated (compare-and-set in SQL); otherwise it re-reads and
 * tries again, so the last write always covers every segment.
 */
import { aggregateRoute, SEGMENT_LENGTH_MS, type RouteFields, type SegmentMeta } from "../../logs";
import { driveStatsColumns, type DriveStatsColumns, type SegmentStatsMeta } from "./drive-stats";

const MAX_ROUNDS = 5;

/**
 * The compare-and-set guard: the processed segment set as "n:etag,…". Only ever compared with a value the same
 * SQL produced (never rebuilt in JS), so group_concat's order need only be consistent, not documented.
 */
const FINGERPRINT_SQL = `(SELECT coalesce(group_concat(number || ':' || etag, ','), '') FROM
  (SELECT number, etag FROM segment_qlogs WHERE dongle_id = ?1 AND log_id = ?2 ORDER BY number))`;

export interface MetaRow {
  number: number;
  etag: string;
  meta: string;
}

/** Every processed segment of the route and the fingerprint of that set, read in one transaction. */
export async function readProcessedSegments(
  env: Env,
  dongleId: string,
  logId: string,
): Promise<{ fingerprint: string; rows: MetaRow[] }> {
  const [fp, rows] = await env.DB.batch([
    env.DB.prepare(`SELECT ${FINGERPRINT_SQL} AS fp`).bind(dongleId, logId),
    env.DB.prepare(
      "SELECT number, etag, meta FROM segment_qlogs WHERE dongle_id = ?1 AND log_id = ?2 ORDER BY number",
    ).bind(dongleId, logId),
  ]);
  return { fingerprint: (fp.results[0] as { fp: string }).fp, rows: rows.results as MetaRow[] };
}

/** comma's route fields plus the drive statistics columns (null: unknown, see driveStatsColumns). */
export interface RouteAggregate extends RouteFields {
  stats: DriveStatsColumns | null;
}

export function aggregateRows(rows: readonly MetaRow[]): RouteAggregate | null {
  if (!rows.length) return null;
  const segments = rows.map((r) => ({ number: r.number, meta: JSON.parse(r.meta) as SegmentMeta & SegmentStatsMeta }));
  const fields = aggregateRoute(segments);
  return { ...fields, stats: driveStatsColumns(fields, segments) };
}

export async function reaggregateRoute(env: Env, dongleId: string, logId: string): Promise<RouteAggregate | null> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { fingerprint, rows } = await readProcessedSegments(env, dongleId, logId);
    const fields = aggregateRows(rows);
    if (await writeRouteAggregate(env, dongleId, logId, fields, fingerprint)) return fields;
    const exists = await env.DB.prepare("SELECT 1 AS x FROM routes WHERE dongle_id = ?1 AND log_id = ?2")
      .bind(dongleId, logId)
      .first();
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
  const [route] = await env.DB.batch([
    routeUpdate(env, dongleId, logId, fields, fingerprint),
    segmentTimesUpdate(env, dongleId, logId, fields, fingerprint),
  ]);
  return route.meta.changes > 0;
}

function routeUpdate(env: Env, dongleId: string, logId: string, f: RouteAggregate | null, fingerprint: string) {
  const st = f?.stats ?? null;
  return env.DB.prepare(
    `UPDATE routes SET start_time_ms = ?3, end_time_ms = ?4, start_lat = ?5, start_lng = ?6, end_lat = ?7, end_lng = ?8,
       distance_miles = ?9, procqlog = ?10, version = ?11, git_branch = ?12, git_commit = ?13, git_commit_date = ?14,
       git_dirty = ?15, git_remote = ?16, platform = ?17, make = ?18, vin = ?19, device_type = ?20,
       engaged_ms = ?22, alert_count = ?23, user_flag_count = ?24, engagement_count = ?25, disengagement_count = ?26
     WHERE dongle_id = ?1 AND log_id = ?2 AND ${FINGERPRINT_SQL} = ?21`,
  ).bind(
    dongleId,
    logId,
    f?.start_time_utc_millis ?? null,
    f?.end_time_utc_millis ?? null,
    f?.start_lat ?? null,
    f?.start_lng ?? null,
    f?.end_lat ?? null,
    f?.end_lng ?? null,
    f ? f.distance : null,
    f ? f.maxqlog : -1,
    f?.version ?? null,
    f?.git_branch ?? null,
    f?.git_commit ?? null,
    f?.git_commit_date ?? null,
    f?.git_dirty === null || f?.git_dirty === undefined ? null : f.git_dirty ? 1 : 0,
    f?.git_remote ?? null,
    f?.platform ?? null,
    f?.make ?? null,
    f?.vin ?? null,
    f?.device_type ?? null,
    fingerprint,
    st?.engagedMs ?? null,
    st?.alerts ?? null,
    st?.userFlags ?? null,
    st?.engagements ?? null,
    st?.disengagements ?? null,
  );
}

/**
 * Every segment row of the route gets comma's times: start + 60 s·n, ending 60 s later, except the last
 * processed segment, which ends at the route's end (the lead's route views compute the same from the route row).
 */
function segmentTimesUpdate(env: Env, dongleId: string, logId: string, f: RouteFields | null, fingerprint: string) {
  const start = f?.start_time_utc_millis ?? null;
  const lastNumber = f && f.segment_numbers.length ? f.segment_numbers[f.segment_numbers.length - 1] : -1;
  return env.DB.prepare(
    `UPDATE segments SET
       start_time_ms = CASE WHEN ?3 IS NULL THEN NULL ELSE ?3 + ?6 * number END,
       end_time_ms = CASE WHEN ?3 IS NULL THEN NULL WHEN number = ?4 AND ?5 IS NOT NULL THEN ?5 ELSE ?3 + ?6 * (number + 1) END
     WHERE dongle_id = ?1 AND log_id = ?2 AND ${FINGERPRINT_SQL} = ?7`,
  ).bind(dongleId, logId, start, lastNumber, f?.end_time_utc_millis ?? null, SEGMENT_LENGTH_MS, fingerprint);
}
