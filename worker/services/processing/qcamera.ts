/**
 * qcamera.ts → validated (TS sync, whole packets, H.264 stream, first frame IDR) and its duration from the PTS
 * into segments.qcamera_duration, which the HLS playlist uses for #EXTINF. A bad file clears the duration so the
 * playlist treats the segment as missing.
 */
import { validateQcamera } from "../../logs";
import { getObject, segmentOf, type Processor } from "./context";

const setDuration = (env: Env, dongleId: string, logId: string, segment: number, seconds: number | null) =>
  env.DB.prepare("UPDATE segments SET qcamera_duration = ?4 WHERE dongle_id = ?1 AND log_id = ?2 AND number = ?3").bind(
    dongleId,
    logId,
    segment,
    seconds,
  );

export const qcameraProcessor: Processor = {
  async run({ env, msg }) {
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
      statements: [setDuration(env, msg.dongleId, logId, segment, q.durationSeconds)],
    };
  },
  async failed({ env, msg }) {
    const { logId, segment } = segmentOf(msg);
    return { statements: [setDuration(env, msg.dongleId, logId, segment, null)] };
  },
};
