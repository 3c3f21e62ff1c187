/**
 * Input adapters. Everything in worker/logs consumes `AsyncIterable<Uint8Array>`; an R2 object body
 * (a ReadableStream) or an in-memory buffer are turned into one here, so the decoders never care
 * where bytes come from and never need the whole file at once.
 */
export type ByteSource =
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | Uint8Array
  | ArrayBuffer;

export async function* toChunks(src: ByteSource): AsyncGenerator<Uint8Array> {
  if (src instanceof Uint8Array) {
    if (src.length) yield src;
    return;
  }
  if (src instanceof ArrayBuffer) {
    if (src.byteLength) yield new Uint8Array(src);
    return;
  }
  if (typeof (src as ReadableStream<Uint8Array>).getReader === "function") {
    // Use the reader explicitly: not every runtime makes ReadableStream async-iterable,
    // and releasing/cancelling on early exit frees the R2 connection.
    const reader = (src as ReadableStream<Uint8Array>).getReader();
    let done = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) {
          done = true;
          return;
        }
        if (r.value && r.value.length) yield r.value;
      }
    } finally {
      if (!done) await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }
  for await (const c of src as AsyncIterable<Uint8Array>) if (c.length) yield c;
}

/** Split one buffer into fixed-size chunks (tests and benchmarks use this to mimic network chunking). */
export function* chunked(buf: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, Math.min(buf.length, i + size));
}

/** Concatenate chunks (for tests and small inputs only; the pipeline never does this to a whole file). */
export function concatBytes(parts: readonly Uint8Array[], total = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  if (parts.length === 1 && parts[0].length === total) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return concatBytes(parts);
}
