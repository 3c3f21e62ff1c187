/**
 * qlog → the segment's derived files (coords.json, events.json, sprite.jpg at route-views' derivedKey), its
 * metadata (segment_qlogs) and then the route aggregate. Streamed from R2: only the decoder window and the few
 * things the outputs need are ever in memory (worker/logs/derive.ts).
 *
 * sprite.jpg: comma serves one 128×96 JPEG per segment. Scaling a JPEG needs a full decode + re-encode, which
 * costs more CPU than the whole qlog pass in pure JS, so we store the segment's first qlog thumbnail as is
 * (482×302 since 2025, ~5 s into the segment: the frame comma's sprite shows). Apps only draw it scaled.
 */
import { and, eq, sql } from "drizzle-orm";
import { segmentQlogs } from "../../db/schema";
import { deriveSegment, spriteThumbnail } from "../../logs";
import { derivedKey, DERIVED_FILES } from "../drives/views";
import { getObject, segmentOf, type Processor } from "./context";
import { statsEvents } from "../drives/stats";
import type { SegmentStatsMeta } from "./drive-stats";
import { reaggregateRoute } from "./route-aggregate";

const JSON_TYPE = { httpMetadata: { contentType: "application/json" } };

export const qlogProcessor: Processor = {
  async run({ env, db, msg }) {
    const { logId, segment } = segmentOf(msg);
    const obj = await getObject(env, msg.key);
    const { coords, events, thumbnails, meta } = await deriveSegment(obj.body);
    const key = (f: (typeof DERIVED_FILES)[number]) => derivedKey(msg.dongleId, logId, segment, f);
    const sprite = spriteThumbnail(thumbnails);
    // The route aggregation computes the drive's engaged time and event counts from these (drive-stats.ts).
    const stored: SegmentStatsMeta & typeof meta = { ...meta, statsEvents: statsEvents(events) };
    // Same keys every run: a redelivery overwrites with identical bytes.
    await Promise.all([
      env.MEDIA.put(key("coords.json"), JSON.stringify(coords), JSON_TYPE),
      env.MEDIA.put(key("events.json"), JSON.stringify(events), JSON_TYPE),
      sprite
        ? env.MEDIA.put(key("sprite.jpg"), sprite.jpeg, { httpMetadata: { contentType: "image/jpeg" } })
        : env.MEDIA.delete(key("sprite.jpg")),
    ]);
    return {
      info: {
        container: meta.container,
        messages: meta.messages,
        decompressedBytes: meta.decompressedBytes,
        coords: coords.length,
        events: events.length,
        thumbnails: thumbnails.length,
        truncated: meta.truncated,
        ...(meta.truncatedReason ? { truncatedReason: meta.truncatedReason } : {}),
        wallClock: meta.wallOffset?.source ?? null,
      },
      statements: [
        db
          .insert(segmentQlogs)
          .values({
            dongleId: msg.dongleId,
            logId,
            number: segment,
            etag: obj.etag,
            meta: stored,
            processedAt: sql`unixepoch()`,
          })
          .onConflictDoUpdate({
            target: [segmentQlogs.dongleId, segmentQlogs.logId, segmentQlogs.number],
            set: { etag: obj.etag, meta: stored, processedAt: sql`unixepoch()` },
          }),
      ],
      after: async () => void (await reaggregateRoute(env, msg.dongleId, logId)),
    };
  },

  // The segment's qlog is bad now: nothing derived from an earlier upload of it may stay on the route.
  async failed({ env, db, msg }) {
    const { logId, segment } = segmentOf(msg);
    await env.MEDIA.delete(DERIVED_FILES.map((f) => derivedKey(msg.dongleId, logId, segment, f)));
    return {
      statements: [
        db
          .delete(segmentQlogs)
          .where(
            and(
              eq(segmentQlogs.dongleId, msg.dongleId),
              eq(segmentQlogs.logId, logId),
              eq(segmentQlogs.number, segment),
            ),
          ),
      ],
      after: async () => void (await reaggregateRoute(env, msg.dongleId, logId)),
    };
  },
};
