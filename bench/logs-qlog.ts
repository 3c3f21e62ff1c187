// @ts-nocheck -- Node-only benchmark (run with `npx tsx bench/logs-qlog.ts`).
/**
 * qlog segment -> all derived outputs (coords.json, events.json, thumbnails, metadata): CPU ms per
 * segment (goal <= 15 ms) and peak extra JS memory, streaming from 64 KiB chunks like an R2 body.
 * Uses the real fixture qlogs when ../shared is present, else synthetic segments.
 */
import { chunked, deriveSegment, frameMessages, openLog, SegmentCollector } from "../worker/logs";
import { syntheticSegment } from "../test/fixtures/openpilot-log";
import { cpuTime, fmt, hasReal, mb, MemPeak, readReal, sampled, stats } from "./logs-common";

const inputs: { name: string; bytes: Uint8Array }[] = hasReal()
  ? [0, 1, 2].map((n) => ({ name: `real ${n}/qlog.zst`, bytes: readReal(`${n}/qlog.zst`) }))
  : [0, 1, 2].map((n) => ({
      name: `synthetic seg ${n} (raw)`,
      bytes: syntheticSegment({ segment: n, routeSegments: 3 }),
    }));
if (hasReal()) inputs.push({ name: "real derived/0/qlog.bz2", bytes: readReal("derived/0/qlog.bz2") });
const CHUNK = 64 * 1024;
const run = (b: Uint8Array) => deriveSegment(chunked(b, CHUNK));

// Warm up the JIT (a Worker isolate handling a queue stays warm across messages).
for (let i = 0; i < 15; i++) for (const x of inputs) await run(x.bytes);

console.log(`qlog -> coords/events/thumbnails/meta, ${CHUNK / 1024} KiB input chunks, node ${process.version}`);
for (const x of inputs) {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < 25; i++) {
    const r = await cpuTime(() => run(x.bytes));
    cpu.push(r.cpuMs);
    wall.push(r.wallMs);
  }
  const mp = await MemPeak.create();
  const log = await openLog(sampled(chunked(x.bytes, CHUNK), mp));
  const col = new SegmentCollector();
  const fr = await frameMessages(sampled(log.chunks, mp), col.onMessage);
  const d = col.finish({
    container: log.kind,
    compressedBytes: log.compressedBytes,
    decompressedBytes: fr.bytes,
    truncated: fr.truncated,
  });
  const c = stats(cpu),
    w = stats(wall);
  console.log(
    `${x.name.padEnd(26)} ${mb(x.bytes.length)} in, ${mb(d.meta.decompressedBytes)} raw, ${d.meta.messages} msgs: ` +
      `CPU median ${fmt(c.median)} ms (min ${fmt(c.min)}, max ${fmt(c.max)}), wall median ${fmt(w.median)} ms, peak extra JS mem ${mb(mp.peak)}`,
  );
}
