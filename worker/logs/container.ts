/**
 * Container detection and streaming decompression. Detection is by magic bytes, like openpilot's
 * LogReader, because file names lie (an uploader may store `qlog` under a `.bz2` key and vice versa).
 */
import { bzip2DecompressStream } from "./bzip2";
import { LogFormatError } from "./errors";
import { toChunks, type ByteSource } from "./stream";
import { zstdDecompressStream } from "./zstd";

export type ContainerKind = "zstd" | "bzip2" | "raw";

/** zstd frame magic 28 B5 2F FD; bzip2 "BZh" + level digit; anything else is taken as raw capnp. */
export function detectContainer(head: Uint8Array): ContainerKind {
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return "bzip2";
  return "raw";
}

export interface OpenedLog {
  kind: ContainerKind;
  /** Decompressed capnp bytes, chunk by chunk. Single use. */
  chunks: AsyncIterable<Uint8Array>;
  /** Compressed bytes read so far (updated while `chunks` is consumed). */
  readonly compressedBytes: number;
}

/**
 * Sniff the first bytes of `src` and return a decompressed chunk stream. Only the first few bytes
 * are buffered for sniffing; nothing else is held.
 */
export async function openLog(src: ByteSource): Promise<OpenedLog> {
  const it = toChunks(src)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLen = 0;
  let ended = false;
  while (headLen < 4) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head.push(r.value);
    headLen += r.value.length;
  }
  if (headLen === 0) throw new LogFormatError("empty", "log file is empty");
  const first = head.length === 1 ? head[0] : Uint8Array.from(head.flatMap((h) => Array.from(h)));
  const kind = detectContainer(first);
  const state = { compressedBytes: 0 };
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      for (const h of head) {
        state.compressedBytes += h.length;
        yield h;
      }
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        state.compressedBytes += r.value.length;
        yield r.value;
      }
    } finally {
      // On early exit (a decode error downstream) close the source: cancels an R2 body stream.
      if (!ended) await it.return?.(undefined);
    }
  }
  const raw = replay();
  const chunks = kind === "zstd" ? zstdDecompressStream(raw) : kind === "bzip2" ? bzip2DecompressStream(raw) : raw;
  return {
    kind,
    chunks,
    get compressedBytes() {
      return state.compressedBytes;
    },
  };
}
