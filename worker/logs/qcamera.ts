/**
 * qcamera.ts validation, streamed. Workers cannot run ffprobe, and hls.js only needs a sane
 * MPEG-TS, so we check what matters for playback and for the route's video timeline:
 *   - every 188-byte packet starts with the 0x47 sync byte and the file is a whole number of
 *     packets (a short last packet = truncated upload);
 *   - PAT -> PMT -> an H.264 video stream (stream_type 0x1B), optional AAC audio (0x0F);
 *   - duration from the video PTS (90 kHz): last - first + one frame (the frame interval is the
 *     median PTS step), which gives 60.0 s for a full 1200-frame / 20 fps segment;
 *   - the first video access unit contains an IDR slice (playable without the previous segment).
 * Only a 188-byte carry and a few counters are kept, whatever the file size.
 */
import { LogFormatError } from "./errors";
import { toChunks, type ByteSource } from "./stream";

const PACKET = 188;
const SYNC = 0x47;
const PTS_HZ = 90_000;
const PTS_WRAP = 2 ** 33;

export interface QcameraInfo {
  bytes: number;
  packets: number;
  videoPid: number;
  audioPid: number | null;
  videoCodec: "h264" | "hevc" | `stream_type:${number}`;
  hasAudio: boolean;
  /** Video PES packets = frames (openpilot writes one frame per PES). */
  videoFrames: number;
  /** First video PTS in seconds (device monotonic clock; continuous across a route's segments). */
  startPtsSeconds: number;
  /** Median PTS step, seconds (0.05 at 20 fps). */
  frameIntervalSeconds: number;
  durationSeconds: number;
  firstFrameIsKeyframe: boolean;
}

export interface QcameraOptions {
  /** Reject files larger than this (default 64 MiB; real ones are ~2.6 MB). */
  maxBytes?: number;
}

const fail = (msg: string, at?: number): never => {
  throw new LogFormatError("bad-video", msg, at);
};

export async function validateQcamera(src: ByteSource, opts: QcameraOptions = {}): Promise<QcameraInfo> {
  const maxBytes = opts.maxBytes ?? 64 << 20;
  const carry = new Uint8Array(PACKET);
  let carryLen = 0;
  let offset = 0; // bytes consumed
  let packets = 0;
  let pmtPid = -1;
  let videoPid = -1;
  let audioPid = -1;
  let videoType = 0;
  let frames = 0;
  let firstPts = -1;
  let lastUnwrapped = 0;
  let maxPts = -Infinity;
  let minPts = Infinity;
  let prevPts = -1;
  const steps = new Map<number, number>(); // PTS step -> count (for the median frame interval)
  // First video access unit bytes (to look for an IDR NAL): collected until the 2nd video PES starts.
  const firstAu: Uint8Array[] = [];
  let firstAuLen = 0;
  let firstAuDone = false;

  const onPacket = (p: Uint8Array, at: number) => {
    if (p[0] !== SYNC) fail(`lost sync: packet ${packets} does not start with 0x47`, at);
    packets++;
    const pusi = (p[1] & 0x40) !== 0;
    const pid = ((p[1] & 0x1f) << 8) | p[2];
    const afc = (p[3] >> 4) & 3;
    let o = 4;
    if (afc & 2) o += 1 + p[4];
    if (!(afc & 1) || o >= PACKET) return; // no payload
    if (pid === 0 && pusi && pmtPid < 0) {
      // PAT: pointer field, then section; first program's PMT PID.
      const s = o + 1 + p[o];
      const sectionLen = ((p[s + 1] & 0x0f) << 8) | p[s + 2];
      for (let i = s + 8; i + 4 <= s + 3 + sectionLen - 4 && i + 4 <= PACKET; i += 4) {
        const prog = (p[i] << 8) | p[i + 1];
        if (prog !== 0) {
          pmtPid = ((p[i + 2] & 0x1f) << 8) | p[i + 3];
          break;
        }
      }
      return;
    }
    if (pid === pmtPid && pusi && videoPid < 0) {
      const s = o + 1 + p[o];
      const sectionLen = ((p[s + 1] & 0x0f) << 8) | p[s + 2];
      const end = Math.min(PACKET, s + 3 + sectionLen - 4);
      const progInfoLen = ((p[s + 10] & 0x0f) << 8) | p[s + 11];
      for (let i = s + 12 + progInfoLen; i + 5 <= end; ) {
        const type = p[i];
        const epid = ((p[i + 1] & 0x1f) << 8) | p[i + 2];
        const esInfo = ((p[i + 3] & 0x0f) << 8) | p[i + 4];
        if ((type === 0x1b || type === 0x24) && videoPid < 0) {
          videoPid = epid;
          videoType = type;
        } else if ((type === 0x0f || type === 0x11) && audioPid < 0) audioPid = epid;
        i += 5 + esInfo;
      }
      return;
    }
    if (pid !== videoPid) return;
    if (pusi) {
      if (frames > 0) firstAuDone = true;
      // PES header: 00 00 01 stream_id len(2) flags(2) header_len(1) [PTS(5)]
      if (p[o] !== 0 || p[o + 1] !== 0 || p[o + 2] !== 1) fail("video packet without a PES start code", at);
      const ptsFlag = (p[o + 7] & 0x80) !== 0;
      const hdrLen = p[o + 8];
      frames++;
      if (ptsFlag) {
        const b = o + 9;
        const pts =
          (p[b] & 0x0e) * 2 ** 29 +
          p[b + 1] * 2 ** 22 +
          (p[b + 2] & 0xfe) * 2 ** 14 +
          p[b + 3] * 2 ** 7 +
          (p[b + 4] >> 1);
        // Unwrap 33-bit wrap-around relative to the previous PTS.
        let u = pts;
        if (firstPts < 0) firstPts = pts;
        else {
          const prevRaw = lastUnwrapped % PTS_WRAP;
          let d = pts - prevRaw;
          if (d < -PTS_WRAP / 2) d += PTS_WRAP;
          else if (d > PTS_WRAP / 2) d -= PTS_WRAP;
          u = lastUnwrapped + d;
        }
        lastUnwrapped = u;
        if (u > maxPts) maxPts = u;
        if (u < minPts) minPts = u;
        if (prevPts >= 0) {
          const step = u - prevPts;
          if (step > 0) steps.set(step, (steps.get(step) ?? 0) + 1);
        }
        prevPts = u;
      }
      if (!firstAuDone) {
        const start = o + 9 + hdrLen;
        if (start < PACKET) {
          firstAu.push(p.slice(start));
          firstAuLen += PACKET - start;
        }
      }
    } else if (!firstAuDone && frames > 0 && firstAuLen < 65536) {
      firstAu.push(p.slice(o));
      firstAuLen += PACKET - o;
    }
  };

  for await (const chunk of toChunks(src)) {
    let i = 0;
    if (carryLen) {
      const n = Math.min(PACKET - carryLen, chunk.length);
      carry.set(chunk.subarray(0, n), carryLen);
      carryLen += n;
      i = n;
      if (carryLen === PACKET) {
        onPacket(carry, offset - (carryLen - n));
        carryLen = 0;
      }
    }
    for (; i + PACKET <= chunk.length; i += PACKET) onPacket(chunk.subarray(i, i + PACKET), offset + i);
    if (i < chunk.length) {
      carry.set(chunk.subarray(i), 0);
      carryLen = chunk.length - i;
    }
    offset += chunk.length;
    if (offset > maxBytes) fail(`file larger than ${maxBytes} bytes`);
  }
  if (offset === 0) throw new LogFormatError("empty", "qcamera.ts is empty");
  if (carryLen)
    throw new LogFormatError("truncated", `qcamera.ts ends with a partial ${carryLen}-byte packet`, offset - carryLen);
  if (pmtPid < 0) fail("no PAT (program association table)");
  if (videoPid < 0) fail("no video stream in PMT");
  if (frames === 0 || firstPts < 0) fail("no video frames with timestamps");

  let interval = 0;
  {
    // Median step, weighted by count.
    const sorted = [...steps.entries()].sort((a, b) => a[0] - b[0]);
    const total = sorted.reduce((n, [, c]) => n + c, 0);
    let acc = 0;
    for (const [step, c] of sorted) {
      acc += c;
      if (acc * 2 >= total) {
        interval = step;
        break;
      }
    }
  }
  return {
    bytes: offset,
    packets,
    videoPid,
    audioPid: audioPid >= 0 ? audioPid : null,
    videoCodec: videoType === 0x1b ? "h264" : videoType === 0x24 ? "hevc" : `stream_type:${videoType}`,
    hasAudio: audioPid >= 0,
    videoFrames: frames,
    startPtsSeconds: minPts / PTS_HZ,
    frameIntervalSeconds: interval / PTS_HZ,
    durationSeconds: Math.round(((maxPts - minPts + interval) / PTS_HZ) * 1e6) / 1e6,
    firstFrameIsKeyframe: hasIdr(firstAu, videoType),
  };
}

/** Look for an IDR slice (H.264 NAL type 5; HEVC types 16-21) in the first access unit. */
function hasIdr(parts: Uint8Array[], type: number): boolean {
  let total = 0;
  for (const p of parts) total += p.length;
  const b = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    b.set(p, o);
    o += p.length;
  }
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) {
      const h = b[i + 3];
      if (type === 0x24) {
        const t = (h >> 1) & 0x3f;
        if (t >= 16 && t <= 21) return true;
      } else if ((h & 0x1f) === 5) return true;
      i += 2;
    }
  }
  return false;
}
