// @ts-nocheck -- Node-only benchmark (run with `npx tsx bench/processing-qlog.ts`).
/**
 * CPU per qlog segment of the queue consumer's own work (services/processing/qlog.ts + route-aggregate.ts), i.e.
 * everything but the I/O: derive (streamed, 64 KiB chunks like an R2 body), serialise coords/events/meta, then
 * re-aggregate the route from EVERY processed segment's stored meta (JSON.parse + aggregateRoute), which is what
 * makes out-of-order arrival safe. The aggregate grows with the route, so it is measured for 3 and 180 segments
 * (a 3-hour drive). R2/D1 round trips are I/O wait, not CPU, in a Worker.
 */
import { aggregateRoute, chunked, deriveSegment } from "../worker/logs";
import { syntheticSegment } from "../test/fixtures/openpilot-log";
import { cpuTime, fmt, hasReal, readReal, stats } from "./logs-common";

const input = hasReal()
  ? { name: "real 1/qlog.zst", bytes: readReal("1/qlog.zst") }
  : { name: "synthetic seg 1 (raw)", bytes: syntheticSegment({ segment: 1, routeSegments: 3 }) };

async function consumerCpu(routeSegments: number, storedMeta: string) {
  const d = await deriveSegment(chunked(input.bytes, 64 * 1024));
  const coords = JSON.stringify(d.coords),
    events = JSON.stringify(d.events),
    meta = JSON.stringify(d.meta);
  const rows = Array.from({ length: routeSegments }, (_, n) => ({ number: n, meta: n === 1 ? meta : storedMeta }));
  const route = aggregateRoute(rows.map((r) => ({ number: r.number, meta: JSON.parse(r.meta) })));
  return coords.length + events.length + route.segment_numbers.length;
}

const stored = JSON.stringify((await deriveSegment(input.bytes)).meta);
for (let i = 0; i < 15; i++) await consumerCpu(180, stored); // warm (a queue isolate stays warm)
console.log(
  `queue consumer CPU per qlog segment (${input.name}; meta ${stored.length} B JSON), node ${process.version}`,
);
for (const n of [3, 180]) {
  const derive: number[] = [],
    total: number[] = [];
  for (let i = 0; i < 25; i++) {
    derive.push((await cpuTime(() => deriveSegment(chunked(input.bytes, 64 * 1024)))).cpuMs);
    total.push((await cpuTime(() => consumerCpu(n, stored))).cpuMs);
  }
  const d = stats(derive),
    t = stats(total);
  console.log(
    `route of ${String(n).padStart(3)} segments: derive ${fmt(d.median)} ms, consumer total ${fmt(t.median)} ms (min ${fmt(t.min)}) → re-aggregation + JSON ${fmt(t.median - d.median)} ms`,
  );
}
