/**
 * Both zstd back ends (the runtime's native decoder fed by zstd-frames.ts, and the vendored, patched fzstd) against
 * the expected bytes and against upstream fzstd: a 4 MiB-window stream longer than fzstd's window buffer (so it is
 * compacted mid-frame) with matches reaching back to the window's far end from before the current block, fed in
 * several chunkings. Also the window-size guard, and truncation, which must read the same whichever back end runs.
 */
import { decompress as upstreamDecompress } from "fzstd";
import { describe, expect, it } from "vitest";
import { windowTestData, WINDOW_TEST_BYTES } from "../../test/fixtures/zstd-window-data";
import { windowTestZst } from "../../test/fixtures/zstd-window.generated";
import { synNewZst } from "../../test/fixtures/log-fixtures.generated";
import { chunked, collectBytes } from "./stream";
import { defaultZstdBackend, zstdDecompressStream, type ZstdBackend } from "./zstd";

async function* source(bytes: Uint8Array, size: number) {
  yield* chunked(bytes, size);
}

/** First differing offset, or -1 (expect().toEqual on 9.5 MiB arrays is slow and prints megabytes). */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

it("uses the runtime's native zstd inside workerd", () => {
  expect(defaultZstdBackend).toBe("native");
});

describe.each(["native", "fzstd"] as ZstdBackend[])("%s streaming zstd decoder", (backend) => {
  const expected = windowTestData();

  it("decodes a stream that fills and slides its window, in any chunking, byte-identical to upstream", async () => {
    expect(expected.length).toBe(WINDOW_TEST_BYTES);
    expect(firstDiff(upstreamDecompress(windowTestZst), expected)).toBe(-1);
    for (const size of [997, 64 * 1024, windowTestZst.length]) {
      const out = await collectBytes(zstdDecompressStream(source(windowTestZst, size), { backend }));
      expect(firstDiff(out, expected), `chunk size ${size}`).toBe(-1);
    }
  });

  it("matches upstream on an entropy-coded log", async () => {
    const ours = await collectBytes(zstdDecompressStream(source(synNewZst, 4096), { backend }));
    expect(firstDiff(ours, upstreamDecompress(synNewZst))).toBe(-1);
  });

  it("refuses a window larger than the limit as too-large", async () => {
    const big = windowTestZst.slice();
    big[5] = (26 - 10) << 3; // window descriptor: 2^26 = 64 MiB
    await expect(
      collectBytes(zstdDecompressStream(source(big, 4096), { maxWindowBytes: 16 << 20, backend })),
    ).rejects.toMatchObject({ code: "too-large" });
  });

  it("reports a cut stream as truncated after yielding what was decodable", async () => {
    let got = 0;
    const cut = windowTestZst.subarray(0, windowTestZst.length - 1000);
    await expect(
      (async () => {
        for await (const chunk of zstdDecompressStream(source(cut, 4096), { backend })) got += chunk.length;
      })(),
    ).rejects.toMatchObject({ code: "truncated" });
    expect(got).toBeGreaterThan(0);
  });
});
