/**
 * Streaming zstd, two back ends with one contract (output chunks are arrays of their own; a cut stream throws
 * "truncated" after yielding what could be decoded; bad bytes throw "corrupt-zstd"; too big a window "too-large"):
 *   - "native": the Workers runtime's own zstd (node:zlib under nodejs_compat), fed one block at a time by
 *     zstd-frames.ts, which also makes it decode every frame of the file (on its own it stops after the first).
 *     Inside workerd it decodes the real qlogs in ~4-5 ms against fzstd's ~8 ms (bench/processing-workerd.ts).
 *     The default in workerd.
 *   - "fzstd": the pure-JS decoder below; the default elsewhere (in Node, native zlib streams run on the thread
 *     pool and their round trips cost more than the decoding saves), and the reference in tests.
 *
 * fzstd (pure JS, MIT). Why fzstd: device uploads are one frame with no content
 * size and a 4 MiB window (logs.md §1.2), which one-shot decoders size wrongly; wasm decoders need
 * precompiled-module wiring in Workers. Its `Decompress` keeps only the window plus the block being
 * decoded, so memory stays flat whatever the file size.
 *
 * We use a vendored, patched copy (vendor/fzstd.js, MIT; byte-identical output, zstd-window.test.ts):
 * upstream shifts the whole 4 MiB window after every <=128 KiB block, allocates two block buffers and
 * copies matches byte by byte. Decoding in place into a window with spare room, copyWithin for copies
 * over 32 bytes and reusing one idle window per isolate, measured here (2 shared cores, node 22, min
 * CPU of 40 interleaved runs over the 3 real qlogs): 17.1 -> 11.4 (in place + copies) -> 10.0 ms per
 * qlog (+ reuse), 1.7x; a 40 MB-raw synthetic rlog 715 -> 486 ms. The window buffer is 4 MiB + 4 MiB
 * spare + one block (the spare makes compaction rare: never for a qlog).
 */
import * as zlib from "node:zlib";
import { LogFormatError } from "./errors";
import { Decompress } from "./vendor/fzstd.js";
import { concatBytes } from "./stream";
import { ZstdFrameSplitter } from "./zstd-frames";

/** fzstd's error codes (ZstdErrorCode): 1 = WindowSizeTooLarge, 5 = UnexpectedEOF. */
const FZSTD_WINDOW = 1;
const FZSTD_EOF = 5;

function mapError(e: unknown, inBytes: number): never {
  const code = (e as { code?: number })?.code;
  if (code === FZSTD_EOF) throw new LogFormatError("truncated", "zstd stream ended early (unexpected EOF)", inBytes);
  if (code === FZSTD_WINDOW) throw new LogFormatError("too-large", (e as Error).message, inBytes);
  if (typeof code === "number") throw new LogFormatError("corrupt-zstd", (e as Error).message, inBytes);
  if (e instanceof RangeError || e instanceof TypeError)
    // fzstd indexes typed arrays without bounds checks; garbage can surface as these.
    throw new LogFormatError("corrupt-zstd", `decoder failed: ${(e as Error).message}`, inBytes);
  throw e;
}

/**
 * Input is pushed in slices of this size so that one network chunk of highly compressible data
 * cannot expand into many MB of queued output blocks before the consumer sees them.
 */
const PUSH_SLICE = 16 * 1024;

export type ZstdBackend = "native" | "fzstd";

const hasNativeZstd = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === "function";
const inWorkers = typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";
/** The back end zstdDecompressStream uses when not told. */
export const defaultZstdBackend: ZstdBackend = hasNativeZstd && inWorkers ? "native" : "fzstd";

export interface ZstdOptions {
  /** Default: defaultZstdBackend. */
  backend?: ZstdBackend;
  /** Upper bound on total decompressed bytes (zip-bomb guard). Default 1 GiB. */
  maxOutputBytes?: number;
  /** Largest frame window accepted (the decoder allocates about twice this). Default 16 MiB; devices use 4 MiB. */
  maxWindowBytes?: number;
}

/**
 * Decompress a zstd byte stream chunk by chunk. Output chunks are fresh copies (one per block), so
 * consumers may keep views into them. Truncation throws LogFormatError("truncated")
 * after all complete blocks before the cut were yielded.
 */
export function zstdDecompressStream(
  input: AsyncIterable<Uint8Array>,
  opts: ZstdOptions = {},
): AsyncGenerator<Uint8Array> {
  return (opts.backend ?? defaultZstdBackend) === "native" ? nativeZstd(input, opts) : fzstdStream(input, opts);
}

/** The native decoder's messages → our codes. */
function nativeError(e: unknown, inBytes: number): LogFormatError {
  if (e instanceof LogFormatError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (/window|memory/i.test(message))
    return new LogFormatError("too-large", `zstd frame window exceeds the limit: ${message}`, inBytes);
  return new LogFormatError("corrupt-zstd", message, inBytes);
}

/** One frame's native decoder. Output is collected from its events and handed out after each write. */
class NativeFrame {
  private out: Uint8Array[] = [];
  private readonly d: zlib.ZstdDecompress;

  constructor(maxWindowBytes: number) {
    this.d = zlib.createZstdDecompress({
      chunkSize: 128 * 1024,
      params: { [zlib.constants.ZSTD_d_windowLogMax]: Math.max(10, Math.floor(Math.log2(maxWindowBytes))) },
    });
    // Plain Uint8Array views (no copy): Buffer's slice() would be a view where callers expect a copy.
    this.d.on("data", (c: Uint8Array) => this.out.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength)));
  }

  write(bytes: Uint8Array): Promise<Uint8Array[]> {
    if (!bytes.length) return Promise.resolve(this.out.splice(0));
    return new Promise((resolve, reject) => {
      const onError = (e: unknown) => reject(e);
      this.d.once("error", onError);
      this.d.write(bytes, (err) => {
        this.d.off("error", onError);
        if (err) reject(err);
        else resolve(this.out.splice(0));
      });
    });
  }

  finish(): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      this.d.once("error", reject);
      this.d.once("end", () => resolve(this.out.splice(0)));
      this.d.end();
    });
  }

  destroy(): void {
    this.d.destroy();
  }
}

async function* nativeZstd(input: AsyncIterable<Uint8Array>, opts: ZstdOptions): AsyncGenerator<Uint8Array> {
  const maxOut = opts.maxOutputBytes ?? 2 ** 30;
  const maxWindow = opts.maxWindowBytes ?? 16 << 20;
  const splitter = new ZstdFrameSplitter();
  let frame: NativeFrame | null = null;
  let pending: Uint8Array[] = [];
  let inBytes = 0;
  let outBytes = 0;
  try {
    for await (const chunk of input) {
      let pieces;
      try {
        pieces = splitter.push(chunk);
      } catch (e) {
        throw nativeError(e, inBytes);
      }
      for (const piece of pieces) {
        if (piece.start) {
          frame?.destroy();
          frame = new NativeFrame(maxWindow);
          pending = [];
        }
        if (!frame) throw new LogFormatError("corrupt-zstd", "zstd data outside a frame", inBytes);
        // Whole blocks only: fewer, larger writes, and a cut file yields exactly its complete blocks (as fzstd does).
        pending.push(piece.bytes);
        if (!piece.blockEnd && !piece.end) continue;
        const block = pending.length === 1 ? pending[0] : concatBytes(pending);
        pending = [];
        let produced: Uint8Array[];
        try {
          produced = await frame.write(block);
          if (piece.end) produced = produced.concat(await frame.finish());
        } catch (e) {
          throw nativeError(e, inBytes);
        }
        for (const c of produced) {
          outBytes += c.length;
          if (outBytes > maxOut) throw new LogFormatError("too-large", `zstd output exceeds ${maxOut} bytes`, inBytes);
          yield c;
        }
        if (piece.end) frame = null;
      }
      inBytes += chunk.length;
    }
    if (!splitter.atFrameBoundary)
      throw new LogFormatError("truncated", "zstd stream ended early (unexpected EOF)", inBytes);
  } finally {
    frame?.destroy();
  }
}

async function* fzstdStream(input: AsyncIterable<Uint8Array>, opts: ZstdOptions): AsyncGenerator<Uint8Array> {
  const maxOut = opts.maxOutputBytes ?? 2 ** 30;
  const out: Uint8Array[] = [];
  let outBytes = 0;
  const d = new Decompress(
    (chunk) => {
      if (chunk.length) out.push(chunk);
      outBytes += chunk.length;
    },
    opts.maxWindowBytes ?? 16 << 20,
  );
  let inBytes = 0;
  for await (const chunk of input) {
    for (let o = 0; o < chunk.length; o += PUSH_SLICE) {
      const slice = chunk.subarray(o, Math.min(chunk.length, o + PUSH_SLICE));
      try {
        d.push(slice);
      } catch (e) {
        yield* out.splice(0);
        mapError(e, inBytes);
      }
      inBytes += slice.length;
      if (outBytes > maxOut) throw new LogFormatError("too-large", `zstd output exceeds ${maxOut} bytes`, inBytes);
      // splice(0) hands the blocks over and empties the queue, so nothing accumulates here.
      if (out.length) yield* out.splice(0);
    }
  }
  try {
    d.push(new Uint8Array(0), true);
  } catch (e) {
    yield* out.splice(0);
    mapError(e, inBytes);
  }
  if (out.length) yield* out.splice(0);
}
