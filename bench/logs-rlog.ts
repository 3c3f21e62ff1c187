// @ts-nocheck -- Node-only benchmark (run with `npx tsx bench/logs-rlog.ts [MiB]`).
/**
 * A synthetic ~40 MB-raw rlog (~100 s at full rates: can 100 Hz, modelV2 20 Hz with ~12 KB of
 * floats, carState/selfdriveState 100 Hz, GPS 10 Hz, camera states 20 Hz ...) is written to a temp
 * file, compressed with the zstd and bzip2 CLIs, then streamed from disk in 64 KiB chunks through
 * scanRlog and deriveSegment. Reports CPU time, throughput and the peak extra JS memory (V8 heap +
 * ArrayBuffers over a post-GC baseline, sampled on every input and decompressed chunk).
 * Goal: peak <= 64 MB.
 */
import { execFileSync } from "node:child_process";
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { frameMessages, openLog, scanRlog, SegmentCollector } from "../worker/logs";
import { cpuTime, fmt, gc, generateSyntheticRlog, mb, MemPeak, sampled } from "./logs-common";

const TARGET = Number(process.argv[2] ?? 40) * 1e6;
const dir = mkdtempSync(path.join(tmpdir(), "rlog-bench-"));
const rawPath = path.join(dir, "rlog");

function writeSyntheticRlog(): { bytes: number; messages: number } {
  const fd = openSync(rawPath, "w");
  const r = generateSyntheticRlog(TARGET, (b) => writeSync(fd, b));
  closeSync(fd);
  return r;
}

const fileChunks = (p: string) => createReadStream(p, { highWaterMark: 64 * 1024 }) as AsyncIterable<Uint8Array>;

try {
  const t0 = performance.now();
  const { bytes, messages } = writeSyntheticRlog();
  execFileSync("sh", [
    "-c",
    `zstd -10 -q --no-check -c < '${rawPath}' > '${rawPath}.zst' && bzip2 -9 -c < '${rawPath}' > '${rawPath}.bz2'`,
  ]);
  console.log(
    `synthetic rlog: ${mb(bytes)} raw, ${messages} messages; zstd ${mb(statSync(rawPath + ".zst").size)}, bz2 ${mb(statSync(rawPath + ".bz2").size)} (made in ${fmt((performance.now() - t0) / 1000)} s)`,
  );

  for (const ext of ["", ".zst", ".bz2"]) {
    const file = rawPath + ext;
    const label = ext ? ext.slice(1) : "raw";
    // scanRlog: timing
    gc();
    const s = await cpuTime(() => scanRlog(fileChunks(file)));
    // scan + derive with memory sampling on both sides of the decompressor
    const mp = await MemPeak.create();
    const log = await openLog(sampled(fileChunks(file), mp));
    const col = new SegmentCollector();
    const d = await cpuTime(() => frameMessages(sampled(log.chunks, mp), col.onMessage));
    const out = col.finish({
      container: log.kind,
      compressedBytes: log.compressedBytes,
      decompressedBytes: d.result.bytes,
      truncated: d.result.truncated,
    });
    console.log(
      `${label.padEnd(4)} scanRlog: CPU ${fmt(s.cpuMs, 0)} ms, wall ${fmt(s.wallMs, 0)} ms (${fmt(bytes / 1e6 / (s.wallMs / 1000))} MB/s raw), ${s.result.messages} msgs | ` +
        `deriveSegment: wall ${fmt(d.wallMs, 0)} ms, peak extra JS mem ${mb(mp.peak)}, ${out.coords.length} coords, ${out.events.length} events`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
