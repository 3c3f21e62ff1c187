/**
 * Streaming zstd via fzstd (pure JS, MIT). Why fzstd: device uploads are one frame with no content
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
import { LogFormatError } from "./errors";
import { Decompress } from "./vendor/fzstd.js";

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

export interface ZstdOptions {
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
export async function* zstdDecompressStream(input: AsyncIterable<Uint8Array>, opts: ZstdOptions = {}): AsyncGenerator<Uint8Array> {
  const maxOut = opts.maxOutputBytes ?? 2 ** 30;
  const out: Uint8Array[] = [];
  let outBytes = 0;
  const d = new Decompress((chunk) => {
    if (chunk.length) out.push(chunk);
    outBytes += chunk.length;
  }, opts.maxWindowBytes ?? 16 << 20);
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
