/**
 * qcamera.ts → validated (TS sync, whole packets, H.264 stream, first frame IDR) and its duration from the PTS
 * into segments.qcamera_duration, which the HLS playlist uses for #EXTINF. A bad file clears the duration so the
 * playlist treats the segment as missing.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { segments } from "../../db/schema";
import { validateQcamera } from "../../logs";
import { getObject, segmentOf, type Processor } from "./context";

const setDuration = (db: Db, dongleId: string, logId: string, segment: number, seconds: number | null) =>
  db
    .update(segments)
    .set({ qcameraDuration: seconds })
    .where(and(eq(segments.dongleId, dongleId), eq(segments.logId, logId), eq(segments.number, segment)));

export const qcameraProcessor: Processor = {
  async run({ env, db, msg }) {
    const { logId, segment } = segmentOf(msg);
    const obj = await getObject(env, msg.key);
    const q = await validateQcamera(obj.body);
    return {
      info: {
        durationSeconds: q.durationSeconds,
        frames: q.videoFrames,
        codec: q.videoCodec,
        hasAudio: q.hasAudio,
        startPtsSeconds: q.startPtsSeconds,
        firstFrameIsKeyframe: q.firstFrameIsKeyframe,
      },
      statements: [setDuration(db, msg.dongleId, logId, segment, q.durationSeconds)],
    };
  },
  async failed({ db, msg }) {
    const { logId, segment } = segmentOf(msg);
    return { statements: [setDuration(db, msg.dongleId, logId, segment, null)] };
  },
};
