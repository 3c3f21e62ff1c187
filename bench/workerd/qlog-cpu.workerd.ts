/**
 * qlog segment → derived outputs, timed inside workerd (the runtime that bills the queue consumer). Runs only
 * synchronous work and microtasks (no storage), so wall time is CPU time here; workerd's clock has 1 ms steps, so each
 * sample times 10 runs. Real qlogs from ../shared when present, else the project's synthetic ones.
 */
import { env } from "cloudflare:workers";
import { it } from "vitest";
import { chunked, deriveSegment, zstdDecompressStream } from "../../worker/logs";
import { defaultZstdBackend, type ZstdBackend } from "../../worker/logs/zstd";
import { syntheticSegment, zstdStored } from "../../test/fixtures/openpilot-log";

const ROUTE = "asius-0000002c--d68dde99ca";
const INNER = 10;
const SAMPLES = 25;

async function qlog(seg: number): Promise<{ name: string; bytes: Uint8Array }> {
  const res = await env.REAL_FIXTURES.fetch(`http://fixtures/${ROUTE}/${seg}/qlog.zst`);
  if (res.ok) return { name: `real ${seg}/qlog.zst`, bytes: new Uint8Array(await res.arrayBuffer()) };
  return {
    name: `synthetic seg ${seg} (stored zstd)`,
    bytes: zstdStored(syntheticSegment({ segment: seg, routeSegments: 3 })),
  };
}

async function msPerRun(fn: () => Promise<unknown>): Promise<{ median: number; min: number }> {
  for (let i = 0; i < 3; i++) await fn();
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = performance.now();
    for (let i = 0; i < INNER; i++) await fn();
    samples.push((performance.now() - t0) / INNER);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[SAMPLES >> 1], min: samples[0] };
}

async function drain(it: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of it) n += c.length;
  return n;
}

const fmt = (r: { median: number; min: number }) => `median ${r.median.toFixed(1)} ms (min ${r.min.toFixed(1)})`;

it("qlog CPU in workerd", async () => {
  console.log(
    `BENCH qlog → coords/events/thumbnails/meta inside workerd, 64 KiB input chunks; zstd back end by default: ${defaultZstdBackend}`,
  );
  for (const seg of [0, 1, 2]) {
    const q = await qlog(seg);
    const derive = await msPerRun(() => deriveSegment(chunked(q.bytes, 64 * 1024)));
    const zstd: Record<ZstdBackend, string> = { native: "", fzstd: "" };
    for (const backend of ["native", "fzstd"] as ZstdBackend[])
      zstd[backend] = fmt(await msPerRun(() => drain(zstdDecompressStream(chunked(q.bytes, 64 * 1024), { backend }))));
    console.log(
      `BENCH ${q.name.padEnd(22)} derive ${fmt(derive)} | zstd alone: native ${zstd.native}, fzstd ${zstd.fzstd}`,
    );
  }
});
