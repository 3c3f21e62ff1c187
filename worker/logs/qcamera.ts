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

/**
 * The reader is a three-stage machine over 188-byte packets: find the PAT (which PID carries the program map),
 * then the PMT (which PIDs carry video and audio), then read the video PES headers (frames, timestamps, and the
 * first access unit's bytes for the keyframe check). Each stage only looks at the packets it needs.
 */
type Stage = "pat" | "pmt" | "video";

export async function validateQcamera(src: ByteSource, opts: QcameraOptions = {}): Promise<QcameraInfo> {
  const maxBytes = opts.maxBytes ?? 64 << 20;
  const reader = new QcameraReader();
  const packets = new PacketFramer((p, at) => reader.onPacket(p, at));
  for await (const chunk of toChunks(src)) {
    packets.push(chunk);
    if (packets.offset > maxBytes) fail(`file larger than ${maxBytes} bytes`);
  }
  if (packets.offset === 0) throw new LogFormatError("empty", "qcamera.ts is empty");
  if (packets.carryLen)
    throw new LogFormatError(
      "truncated",
      `qcamera.ts ends with a partial ${packets.carryLen}-byte packet`,
      packets.offset - packets.carryLen,
    );
  return reader.finish(packets.offset);
}

/** Cuts a chunk stream into whole 188-byte packets, keeping at most one partial packet between chunks. */
class PacketFramer {
  offset = 0; // bytes consumed
  carryLen = 0;
  private readonly carry = new Uint8Array(PACKET);

  constructor(private readonly onPacket: (packet: Uint8Array, at: number) => void) {}

  push(chunk: Uint8Array): void {
    let i = 0;
    if (this.carryLen) {
      const n = Math.min(PACKET - this.carryLen, chunk.length);
      this.carry.set(chunk.subarray(0, n), this.carryLen);
      this.carryLen += n;
      i = n;
      if (this.carryLen === PACKET) {
        this.onPacket(this.carry, this.offset - (PACKET - n));
        this.carryLen = 0;
      }
    }
    for (; i + PACKET <= chunk.length; i += PACKET) this.onPacket(chunk.subarray(i, i + PACKET), this.offset + i);
    if (i < chunk.length) {
      this.carry.set(chunk.subarray(i), 0);
      this.carryLen = chunk.length - i;
    }
    this.offset += chunk.length;
  }
}

class QcameraReader {
  private stage: Stage = "pat";
  private packets = 0;
  private pmtPid = -1;
  private videoPid = -1;
  private videoType = 0;
  private audioPid = -1;
  private frames = 0;
  private readonly clock = new PtsClock();
  private readonly firstAu = new FirstAccessUnit();

  onPacket(p: Uint8Array, at: number): void {
    if (p[0] !== SYNC) fail(`lost sync: packet ${this.packets} does not start with 0x47`, at);
    this.packets++;
    const pusi = (p[1] & 0x40) !== 0;
    const pid = ((p[1] & 0x1f) << 8) | p[2];
    const afc = (p[3] >> 4) & 3;
    const payload = afc & 2 ? 5 + p[4] : 4;
    if (!(afc & 1) || payload >= PACKET) return; // no payload
    switch (this.stage) {
      case "pat":
        if (pid === 0 && pusi) this.readPat(p, payload);
        return;
      case "pmt":
        if (pid === this.pmtPid && pusi) this.readPmt(p, payload);
        return;
      case "video":
        if (pid === this.videoPid) this.readVideo(p, payload, pusi, at);
    }
  }

  /** PAT: pointer field, then the section; the first program's PMT PID. */
  private readPat(p: Uint8Array, o: number): void {
    const s = o + 1 + p[o];
    const sectionLen = ((p[s + 1] & 0x0f) << 8) | p[s + 2];
    for (let i = s + 8; i + 4 <= s + 3 + sectionLen - 4 && i + 4 <= PACKET; i += 4) {
      if (((p[i] << 8) | p[i + 1]) !== 0) {
        this.pmtPid = ((p[i + 2] & 0x1f) << 8) | p[i + 3];
        this.stage = "pmt";
        return;
      }
    }
  }

  /** PMT: the elementary streams; H.264 (0x1B) or HEVC (0x24) video, AAC (0x0F/0x11) audio. */
  private readPmt(p: Uint8Array, o: number): void {
    const s = o + 1 + p[o];
    const sectionLen = ((p[s + 1] & 0x0f) << 8) | p[s + 2];
    const end = Math.min(PACKET, s + 3 + sectionLen - 4);
    const progInfoLen = ((p[s + 10] & 0x0f) << 8) | p[s + 11];
    for (let i = s + 12 + progInfoLen; i + 5 <= end; ) {
      const type = p[i];
      const pid = ((p[i + 1] & 0x1f) << 8) | p[i + 2];
      const esInfo = ((p[i + 3] & 0x0f) << 8) | p[i + 4];
      if ((type === 0x1b || type === 0x24) && this.videoPid < 0) {
        this.videoPid = pid;
        this.videoType = type;
      } else if ((type === 0x0f || type === 0x11) && this.audioPid < 0) this.audioPid = pid;
      i += 5 + esInfo;
    }
    if (this.videoPid >= 0) this.stage = "video";
  }

  /** A video packet: a PES start (00 00 01 id len(2) flags(2) header_len [PTS(5)]) is one frame. */
  private readVideo(p: Uint8Array, o: number, pusi: boolean, at: number): void {
    if (!pusi) {
      if (this.frames > 0) this.firstAu.add(p.subarray(o));
      return;
    }
    if (p[o] !== 0 || p[o + 1] !== 0 || p[o + 2] !== 1) fail("video packet without a PES start code", at);
    if (this.frames > 0) this.firstAu.close();
    this.frames++;
    if (p[o + 7] & 0x80) this.clock.add(pesPts(p, o + 9));
    const start = o + 9 + p[o + 8];
    if (start < PACKET) this.firstAu.add(p.subarray(start));
  }

  finish(bytes: number): QcameraInfo {
    if (this.pmtPid < 0) fail("no PAT (program association table)");
    if (this.videoPid < 0) fail("no video stream in PMT");
    if (this.frames === 0 || this.clock.empty) fail("no video frames with timestamps");
    const interval = this.clock.medianStep();
    return {
      bytes,
      packets: this.packets,
      videoPid: this.videoPid,
      audioPid: this.audioPid >= 0 ? this.audioPid : null,
      videoCodec: this.videoType === 0x1b ? "h264" : this.videoType === 0x24 ? "hevc" : `stream_type:${this.videoType}`,
      hasAudio: this.audioPid >= 0,
      videoFrames: this.frames,
      startPtsSeconds: this.clock.min / PTS_HZ,
      frameIntervalSeconds: interval / PTS_HZ,
      durationSeconds: Math.round(((this.clock.max - this.clock.min + interval) / PTS_HZ) * 1e6) / 1e6,
      firstFrameIsKeyframe: hasIdr(this.firstAu.bytes(), this.videoType),
    };
  }
}

/** The 33-bit PTS of a PES header at `b`. */
function pesPts(p: Uint8Array, b: number): number {
  return (
    (p[b] & 0x0e) * 2 ** 29 + p[b + 1] * 2 ** 22 + (p[b + 2] & 0xfe) * 2 ** 14 + p[b + 3] * 2 ** 7 + (p[b + 4] >> 1)
  );
}

/** Video timestamps, unwrapped across the 33-bit wrap-around: range and the median step between frames. */
class PtsClock {
  min = Infinity;
  max = -Infinity;
  private last = -1; // unwrapped
  private readonly steps = new Map<number, number>(); // step -> count

  get empty(): boolean {
    return this.last < 0;
  }

  add(pts: number): void {
    let u = pts;
    if (this.last >= 0) {
      let d = pts - (this.last % PTS_WRAP);
      if (d < -PTS_WRAP / 2) d += PTS_WRAP;
      else if (d > PTS_WRAP / 2) d -= PTS_WRAP;
      u = this.last + d;
      if (d > 0) this.steps.set(d, (this.steps.get(d) ?? 0) + 1);
    }
    this.last = u;
    if (u > this.max) this.max = u;
    if (u < this.min) this.min = u;
  }

  /** The median PTS step, weighted by count (the frame interval). */
  medianStep(): number {
    const sorted = [...this.steps.entries()].sort((a, b) => a[0] - b[0]);
    const total = sorted.reduce((n, [, c]) => n + c, 0);
    let acc = 0;
    for (const [step, c] of sorted) {
      acc += c;
      if (acc * 2 >= total) return step;
    }
    return 0;
  }
}

/** The first video access unit's bytes (up to 64 KiB), for the keyframe check. */
class FirstAccessUnit {
  private readonly parts: Uint8Array[] = [];
  private length = 0;
  private closed = false;

  add(bytes: Uint8Array): void {
    if (this.closed || this.length >= 65536) return;
    this.parts.push(bytes.slice());
    this.length += bytes.length;
  }

  close(): void {
    this.closed = true;
  }

  bytes(): Uint8Array[] {
    return this.parts;
  }
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
