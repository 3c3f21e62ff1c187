import { describe, expect, it } from "vitest";
import { synNewBz2Level1, synNewZst, synOldBz2 } from "../../test/fixtures/log-fixtures.generated";
import { syntheticSegment, zstdStored } from "../../test/fixtures/openpilot-log";
import { bzip2DecompressStream } from "./bzip2";
import { detectContainer, openLog } from "./container";
import { LogFormatError } from "./errors";
import { chunked, collectBytes, toChunks } from "./stream";
import { zstdDecompressStream } from "./zstd";

async function* gen(b: Uint8Array, size: number) {
  yield* chunked(b, size);
}

async function expectLogError(p: Promise<unknown>, code: string): Promise<LogFormatError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LogFormatError);
  expect((e as LogFormatError).code).toBe(code);
  return e as LogFormatError;
}

describe("container detection", () => {
  it("detects by magic bytes, not names", () => {
    expect(detectContainer(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0]))).toBe("zstd");
    expect(detectContainer(new TextEncoder().encode("BZh9"))).toBe("bzip2");
    expect(detectContainer(new Uint8Array([0, 0, 0, 0, 5, 0, 0, 0]))).toBe("raw");
    expect(detectContainer(new Uint8Array([0x28, 0xb5]))).toBe("raw");
  });

  it("sniffs across 1-byte chunks and decodes each container to the same bytes", async () => {
    const raw = syntheticSegment({
      schema: "new",
      seconds: 12,
      userFlagsAt: [6.5],
      farMode: "single",
      encodeIdx: false,
    });
    for (const [src, kind] of [
      [synNewZst, "zstd"],
      [zstdStored(raw, 5000), "zstd"],
      [raw, "raw"],
    ] as const) {
      const log = await openLog(gen(src, 1));
      expect(log.kind).toBe(kind);
      const out = await collectBytes(log.chunks);
      expect(out).toEqual(raw);
      expect(log.compressedBytes).toBe(src.length);
    }
  });

  it("accepts a ReadableStream (R2 object body)", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const part of chunked(synNewZst, 1000)) c.enqueue(part.slice());
        c.close();
      },
    });
    const log = await openLog(body);
    expect(log.kind).toBe("zstd");
    expect((await collectBytes(log.chunks)).length).toBeGreaterThan(50_000);
  });

  it("cancels the source stream when decoding fails early", async () => {
    let cancelled = false;
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulls++;
        c.enqueue(new TextEncoder().encode("<html>this is not a log</html>".repeat(100)));
      },
      cancel() {
        cancelled = true;
      },
    });
    const { deriveSegment } = await import("./derive");
    await expectLogError(deriveSegment(body), "bad-frame");
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(5);
  });

  it("rejects an empty file with a typed error", async () => {
    await expectLogError(openLog(new Uint8Array(0)), "empty");
  });
});

describe("zstd streaming", () => {
  it("is chunk-size invariant", async () => {
    const ref = await collectBytes(zstdDecompressStream(toChunks(synNewZst)));
    for (const size of [1, 7, 4096, 1 << 20])
      expect(await collectBytes(zstdDecompressStream(gen(synNewZst, size)))).toEqual(ref);
  });

  it("decodes concatenated frames (a real -10 frame followed by a stored-block frame)", async () => {
    const raw = await collectBytes(zstdDecompressStream(toChunks(synNewZst)));
    const both = new Uint8Array([...synNewZst, ...zstdStored(raw, 9999)]);
    const out = await collectBytes(zstdDecompressStream(gen(both, 777)));
    expect(out.length).toBe(raw.length * 2);
    expect(out.subarray(raw.length)).toEqual(raw);
  });

  it("throws 'truncated' after yielding the complete blocks of a cut file", async () => {
    const raw = syntheticSegment({ seconds: 10 });
    const stored = zstdStored(raw, 10_000);
    const cut = stored.subarray(0, Math.floor(stored.length * 0.6));
    const got: Uint8Array[] = [];
    const e = await expectLogError(
      (async () => {
        for await (const c of zstdDecompressStream(gen(cut, 3000))) got.push(c);
      })(),
      "truncated",
    );
    expect(e.message).toMatch(/unexpected EOF/);
    const n = got.reduce((a, c) => a + c.length, 0);
    expect(n).toBeGreaterThan(0);
    expect(n % 10_000).toBe(0); // whole stored blocks only
    await expectLogError(collectBytes(zstdDecompressStream(gen(synNewZst.subarray(0, 2000), 512))), "truncated");
  });

  it("turns corrupt data into corrupt-zstd, never a hang", async () => {
    const bad = synNewZst.slice();
    for (let i = 40; i < bad.length; i += 97) bad[i] ^= 0x5a;
    const e = await collectBytes(zstdDecompressStream(toChunks(bad))).then(
      () => null,
      (x: unknown) => x,
    );
    // Corruption inside entropy-coded data is detected by fzstd in most cases; when it is not,
    // the bytes are garbage and the capnp layer rejects them (covered in derive tests).
    if (e) expect(e).toBeInstanceOf(LogFormatError);
  });
});

describe("bzip2 streaming", () => {
  it("decodes real bzip2 -9 and multi-block bzip2 -1 output, chunk-size invariant", async () => {
    const old = syntheticSegment({
      schema: "old",
      seconds: 12,
      userFlagsAt: [6.5],
      farMode: "single",
      encodeIdx: false,
    });
    const big = syntheticSegment({ schema: "new", seconds: 25 });
    for (const size of [1, 13, 65536]) {
      expect(await collectBytes(bzip2DecompressStream(gen(synOldBz2, size)))).toEqual(old);
      expect(await collectBytes(bzip2DecompressStream(gen(synNewBz2Level1, size)))).toEqual(big);
    }
  });

  it("decodes concatenated streams (pbzip2 style)", async () => {
    const both = new Uint8Array(synOldBz2.length * 2);
    both.set(synOldBz2);
    both.set(synOldBz2, synOldBz2.length);
    const one = await collectBytes(bzip2DecompressStream(toChunks(synOldBz2)));
    const two = await collectBytes(bzip2DecompressStream(toChunks(both)));
    expect(two.length).toBe(one.length * 2);
  });

  it("reports truncation and corruption with typed errors", async () => {
    await expectLogError(
      collectBytes(bzip2DecompressStream(toChunks(synOldBz2.subarray(0, synOldBz2.length - 20)))),
      "truncated",
    );
    await expectLogError(collectBytes(bzip2DecompressStream(toChunks(synOldBz2.subarray(0, 30)))), "truncated");
    // Flip one bit in the middle: the Huffman data or the block CRC must catch it.
    for (const at of [100, 1000, 3000, synOldBz2.length - 12]) {
      const bad = synOldBz2.slice();
      bad[at] ^= 0x10;
      const e = await collectBytes(bzip2DecompressStream(toChunks(bad))).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e, `flip at ${at}`).toBeInstanceOf(LogFormatError);
      expect(["corrupt-bzip2", "truncated"]).toContain((e as LogFormatError).code);
    }
    await expectLogError(
      collectBytes(bzip2DecompressStream(toChunks(new TextEncoder().encode("BZh9garbage-garbage-garbage")))),
      "corrupt-bzip2",
    );
    await expectLogError(
      collectBytes(bzip2DecompressStream(toChunks(new TextEncoder().encode("BZx9")))),
      "corrupt-bzip2",
    );
  });
});
