// @ts-nocheck -- Node-only benchmark helpers (run with `npx tsx`).
/** Shared helpers for bench/logs-*.ts: timing, CPU time, memory high-water sampling, GC. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { ListElem } from "../test/fixtures/capnp-writer";
import {
  can,
  clocks,
  controlsStateNew,
  event,
  gps,
  initData,
  qRoadEncodeIdx,
  roadCameraState,
  selfdriveState,
  sentinel,
  SYN_DRIVE,
  SYN_INIT,
  SYN_WALL_OFFSET,
  thumbnail,
} from "../test/fixtures/openpilot-log";
import { syntheticJpeg } from "../test/fixtures/jpeg";

v8.setFlagsFromString("--expose-gc");
export const gc: () => void = vm.runInNewContext("gc");

export const REAL_DIR = path.resolve(import.meta.dirname, "../../shared/fixtures/real/asius-0000002c--d68dde99ca");
export const hasReal = () => existsSync(path.join(REAL_DIR, "0/qlog.zst"));
export const readReal = (rel: string) => new Uint8Array(readFileSync(path.join(REAL_DIR, rel)));

/** Memory in use by JS: V8 heap plus ArrayBuffers (typed arrays live outside the heap). */
export const jsMem = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Full GC, then let V8 release ArrayBuffer backing stores (freed asynchronously), then GC again. */
export async function settle(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 100));
  gc();
}

/** Tracks the high-water mark of jsMem() relative to a baseline taken after settle(). */
export class MemPeak {
  base = 0;
  peak = 0;
  static async create(): Promise<MemPeak> {
    await settle();
    const m = new MemPeak();
    m.base = jsMem();
    return m;
  }
  sample(): void {
    const v = jsMem() - this.base;
    if (v > this.peak) this.peak = v;
  }
}

/** Wrap a chunk source so every chunk pulled samples memory. */
export async function* sampled(
  src: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  mp: MemPeak,
): AsyncGenerator<Uint8Array> {
  for await (const c of src as AsyncIterable<Uint8Array>) {
    mp.sample();
    yield c;
  }
  mp.sample();
}

export const mb = (n: number) => (n / (1 << 20)).toFixed(1) + " MiB";
export const fmt = (n: number, d = 1) => n.toFixed(d);

export function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[s.length >> 1], mean: s.reduce((a, b) => a + b, 0) / s.length, max: s[s.length - 1] };
}

/** CPU time (user+system) in ms of an async function, and wall time. */
export async function cpuTime<T>(fn: () => Promise<T>): Promise<{ cpuMs: number; wallMs: number; result: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, wallMs, result };
}

/** Synthetic rlog at full service rates (see logs-rlog.ts); calls put() per message until `target` bytes. */
export function generateSyntheticRlog(
  target: number,
  sink: (b: Uint8Array) => void,
): { bytes: number; messages: number } {
  let bytes = 0,
    messages = 0;
  const put = (b: Uint8Array) => {
    sink(b);
    bytes += b.length;
    messages++;
  };
  let x = 1;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const modelV2 = (t: number) =>
    event(t, 73, (r) => {
      const s = r.initStruct(0, 8, 12);
      // Smooth trajectories with a little noise, quantised: compresses ~4x like real model outputs.
      for (let p = 0; p < 6; p++) {
        const l = s.initList(p, ListElem.FourBytes, 500);
        const base = rnd() * 50;
        for (let i = 0; i < 500; i++) l.f32(i, Math.round((base + i * 0.01 + rnd() * 0.05) * 100) / 100);
      }
    });
  const carState = (t: number) => event(t, 21, (r) => r.initStruct(0, 10, 6).f32(0, 12.3).f32(16, rnd()));
  put(initData(SYN_INIT));
  put(sentinel(SYN_INIT + 1e6, 3));
  const S = 1e9;
  for (let ms = 0; bytes < target; ms += 10) {
    const t = SYN_INIT + 2e6 + ms * 1e6;
    const rs = (t - SYN_INIT) / S;
    put(can(t, 24));
    put(carState(t + 1e5));
    put(selfdriveState(t + 2e5, SYN_DRIVE.stateAt(rs % 90)));
    put(controlsStateNew(t + 3e5));
    if (ms % 50 === 0) {
      put(modelV2(t + 4e5));
      put(roadCameraState(t + 5e5, ms / 50, t));
      put(qRoadEncodeIdx(t + 6e5, ms / 50, 0));
    }
    if (ms % 100 === 0)
      put(
        gps(t + 7e5, {
          lat: 58 + rs * 1e-4,
          lng: 26 + rs * 1e-4,
          speed: SYN_DRIVE.speedAt(rs),
          external: true,
          unixMs: Number((BigInt(t) + SYN_WALL_OFFSET) / 1_000_000n),
        }),
      );
    if (ms % 10_000 === 0) put(clocks(t + 8e5, BigInt(t + 8e5) + SYN_WALL_OFFSET));
    if (ms === 5000) put(thumbnail(t, 100, syntheticJpeg(15_000)));
  }
  put(sentinel(SYN_INIT + 61 * S, 1));
  return { bytes, messages };
}
