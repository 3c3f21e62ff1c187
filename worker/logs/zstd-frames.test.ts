/**
 * zstd-frames.ts walks frames and blocks without decoding; the native back end depends on it to see every frame.
 * Streams here are made with the runtime's own compressor: frames with and without checksums, a skippable frame,
 * content-size fields of several widths, fed in awkward chunkings. Both back ends must decode them identically.
 */
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { chunked, collectBytes } from "./stream";
import { zstdDecompressStream, type ZstdBackend } from "./zstd";
import { ZstdFrameSplitter } from "./zstd-frames";

const data = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => ((i * seed) ^ (i >> 7)) & 0xff);
const compress = (bytes: Uint8Array, checksum: boolean) =>
  new Uint8Array(
    zlib.zstdCompressSync(bytes, {
      params: { [zlib.constants.ZSTD_c_compressionLevel]: 3, [zlib.constants.ZSTD_c_checksumFlag]: checksum ? 1 : 0 },
    }),
  );
function skippable(payload: number): Uint8Array {
  const f = new Uint8Array(8 + payload);
  new DataView(f.buffer).setUint32(0, 0x184d2a53, true);
  new DataView(f.buffer).setUint32(4, payload, true);
  return f;
}
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
};

async function* source(bytes: Uint8Array, size: number) {
  yield* chunked(bytes, size);
}

const a = data(300_000, 7),
  b = data(5, 13),
  c = data(70_000, 3);
const stream = concat(skippable(10), compress(a, true), compress(b, false), skippable(0), compress(c, true));
const expected = concat(a, b, c);

describe("zstd frame walking", () => {
  it("finds every frame and block boundary, whatever the chunking, without losing a byte", () => {
    for (const size of [1, 3, 4096, stream.length]) {
      const s = new ZstdFrameSplitter();
      let frames = 0,
        bytes = 0;
      for (let o = 0; o < stream.length; o += size) {
        for (const p of s.push(stream.subarray(o, o + size))) {
          if (p.start) frames++;
          bytes += p.bytes.length;
        }
      }
      expect(frames, `chunk ${size}`).toBe(3);
      expect(bytes, `chunk ${size}`).toBe(stream.length - 18 - 8); // everything but the two skippable frames
      expect(s.atFrameBoundary).toBe(true);
    }
  });

  it("rejects what is not zstd and reserved block types", () => {
    expect(() => new ZstdFrameSplitter().push(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/not a zstd frame/);
    const bad = compress(b, false);
    const header = 4 + 1 + 1; // magic, descriptor, 1-byte content size (single segment)
    bad[header] = (bad[header] & ~6) | 6; // block type 3
    expect(() => new ZstdFrameSplitter().push(bad)).toThrow(/reserved block type/);
  });

  for (const backend of ["native", "fzstd"] as ZstdBackend[]) {
    it(`${backend}: decodes all frames (skippable ones skipped) byte for byte`, async () => {
      for (const size of [1, 777, 65536]) {
        expect(await collectBytes(zstdDecompressStream(source(stream, size), { backend })), `chunk ${size}`).toEqual(
          expected,
        );
      }
    });
  }
});
