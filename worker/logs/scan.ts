/**
 * Cheap streaming validation of an rlog (or any log): decompress, frame every message, check each
 * Event's root and union-member pointers are in bounds, and count messages per service. Nothing is
 * kept per message, so memory is flat (decoder window + one message) whatever the file size. The
 * metadata pipeline reads only qlogs (logs.md §4.2); this is for accepting/indexing rlog uploads.
 */
import { frameMessages, type CapnpMessage, type FramerOptions } from "./capnp";
import { openLog, type ContainerKind } from "./container";
import { eventName } from "./event";
import { EVENT, TAG } from "./schema";
import type { ByteSource } from "./stream";

export interface ScanOptions extends FramerOptions {
  /** Throw on truncation instead of reporting it. Default false. */
  strict?: boolean;
}

export interface ScanResult {
  container: ContainerKind;
  compressedBytes: number;
  decompressedBytes: number;
  messages: number;
  /** Messages built from more than one segment (they use far pointers). */
  multiSegmentMessages: number;
  /** Messages whose Event.valid flag is false. */
  invalidFlagged: number;
  services: Record<string, number>;
  initLogMonoTime: number | null;
  minLogMonoTime: number | null;
  maxLogMonoTime: number | null;
  truncated: boolean;
  truncatedReason?: string;
}

export async function scanRlog(src: ByteSource, opts: ScanOptions = {}): Promise<ScanResult> {
  const log = await openLog(src);
  const counts = new Int32Array(1024);
  let multi = 0,
    invalid = 0,
    minT = Infinity,
    maxT = -Infinity,
    init: number | null = null;
  const onMessage = (m: CapnpMessage) => {
    const t = m.rootU64(EVENT.LOG_MONO_TIME_BYTE);
    const tag = m.rootU16(EVENT.TAG_BYTE);
    if (t < minT) minT = t;
    if (t > maxT) maxT = t;
    if (tag < 1024) counts[tag]++;
    if (m.segCount > 1) multi++;
    if (!m.rootBool(EVENT.VALID_BIT, true)) invalid++;
    if (tag === TAG.initData && init === null) init = t;
    if (m.rootPtrCount > 0) m.checkPointer(m.rootSeg, m.rootPtrs);
  };
  const r = await frameMessages(log.chunks, onMessage, opts);
  if (r.truncated && opts.strict) throw r.truncated;
  const services: Record<string, number> = {};
  counts.forEach((n, tag) => {
    if (n) services[eventName(tag)] = n;
  });
  return {
    container: log.kind,
    compressedBytes: log.compressedBytes,
    decompressedBytes: r.bytes,
    messages: r.messages,
    multiSegmentMessages: multi,
    invalidFlagged: invalid,
    services,
    initLogMonoTime: init,
    minLogMonoTime: r.messages ? minT : null,
    maxLogMonoTime: r.messages ? maxT : null,
    truncated: !!r.truncated,
    ...(r.truncated ? { truncatedReason: r.truncated.message } : {}),
  };
}
