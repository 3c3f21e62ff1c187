// @ts-nocheck -- Node-only benchmark (run with `npx tsx bench/logs-decoders.ts`).
/**
 * Throughput of each decoder, in MB/s of DECOMPRESSED output (logs.md §4.2 convention):
 *   - zstd: fzstd streaming (as used by zstdDecompressStream), 64 KiB input chunks;
 *   - bzip2: our streaming decoder, vs the native `bzip2 -d` for reference;
 *   - capnp: framing + Event header walk (scanRlog on raw bytes), and the full qlog collector.
 * Inputs: the real qlogs when ../shared is present, and an ~8 MB synthetic rlog.
 */
import { execFileSync } from "node:child_process";
import { chunked, frameMessages, scanRlog, SegmentCollector } from "../worker/logs";
import { bzip2DecompressStream } from "../worker/logs/bzip2";
import { zstdDecompressStream } from "../worker/logs/zstd";
import { fmt, generateSyntheticRlog, hasReal, readReal } from "./logs-common";

const parts: Uint8Array[] = [];
generateSyntheticRlog(8e6, (b) => parts.push(b));
const rlogRaw = Buffer.concat(parts);
const sh = (args: string[], input: Uint8Array) =>
  new Uint8Array(execFileSync(args[0], args.slice(1), { input, maxBuffer: 1 << 30 }));
const inputs: { name: string; raw: Uint8Array; zst: Uint8Array; bz2: Uint8Array }[] = [];
if (hasReal()) {
  const zst = readReal("0/qlog.zst");
  const raw = sh(["zstd", "-d", "-c"], zst);
  inputs.push({ name: "real qlog 0", raw, zst, bz2: readReal("derived/0/qlog.bz2") });
}
inputs.push({
  name: "synthetic rlog",
  raw: rlogRaw,
  zst: sh(["zstd", "-10", "-q", "--no-check", "-c"], rlogRaw),
  bz2: sh(["bzip2", "-9", "-c"], rlogRaw),
});

async function* src(b: Uint8Array) {
  yield* chunked(b, 64 * 1024);
}
async function drain(it: AsyncIterable<Uint8Array>) {
  let n = 0;
  for await (const c of it) n += c.length;
  return n;
}
/** Best-of-N wall time in ms after warm-up (no forced GC in the loop: it deoptimises hot code). */
async function best(fn: () => Promise<unknown>, n = 10, warm = 10) {
  for (let i = 0; i < warm; i++) await fn();
  let b = Infinity;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    b = Math.min(b, performance.now() - t);
  }
  return b;
}
const rate = (bytes: number, ms: number) => `${fmt(bytes / 1e6 / (ms / 1000), 0).padStart(5)} MB/s (${fmt(ms, 1)} ms)`;

console.log(
  `decoder throughput, MB/s of decompressed output, best of 10 after 10 warm-up runs, node ${process.version}`,
);
for (const x of inputs) {
  const mbRaw = (x.raw.length / 1e6).toFixed(1);
  console.log(
    `\n${x.name}: ${mbRaw} MB raw, zstd ${(x.zst.length / 1e6).toFixed(2)} MB, bz2 ${(x.bz2.length / 1e6).toFixed(2)} MB`,
  );
  console.log(
    `  zstd  fzstd streaming     ${rate(x.raw.length, await best(() => drain(zstdDecompressStream(src(x.zst)))))}`,
  );
  console.log(
    `  bzip2 ours (streaming)    ${rate(x.raw.length, await best(() => drain(bzip2DecompressStream(src(x.bz2))), 3, 1))}`,
  );
  const nat = await best(async () => sh(["bzip2", "-d", "-c"], x.bz2), 3, 1);
  console.log(`  bzip2 native bzip2 -d     ${rate(x.raw.length, nat)}  (reference, includes process spawn)`);
  console.log(`  capnp frame + header walk ${rate(x.raw.length, await best(() => scanRlog(src(x.raw))))}`);
  console.log(
    `  capnp qlog collector      ${rate(
      x.raw.length,
      await best(async () => {
        const c = new SegmentCollector();
        await frameMessages(src(x.raw), c.onMessage);
        c.finish({ container: "raw", compressedBytes: 0, decompressedBytes: 0, truncated: null });
      }),
    )}`,
  );
}
