/**
 * Streams upload PUTs through the Worker into R2 on local workerd and prints how much the Worker isolate's
 * memory grows (V8 heap + ArrayBuffer backing stores, read through the DevTools protocol, after a forced GC
 * for the baseline). Goal: < 16 MB for a 75 MB file: the body must never be buffered. A 300 MB body is sent
 * too: a buffering Worker would grow with the body, a streaming one stays flat.
 * Process RSS of workerd is printed for reference; it also holds the runtime's own I/O buffers and pages V8
 * has freed but not returned, so it is not what the 128 MB isolate limit counts.
 */
import http from "node:http";
import { SimDevice } from "../test/device-sim/device";
import { IsolateMemory } from "./isolate-memory";
import { type LocalServer, startLocalServer } from "./local-server";

const SIZE = 75 * 1024 * 1024;
const CHUNK = 256 * 1024;

function putStreaming(url: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "PUT", headers: { "Content-Length": String(size), "Content-Type": "application/octet-stream" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    const chunk = Buffer.alloc(CHUNK, 7);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(CHUNK, size - sent);
        sent += n;
        if (!req.write(n === CHUNK ? chunk : chunk.subarray(0, n))) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

/** Peak isolate memory (and workerd RSS) growth while `send()` runs, sampled every 10 ms. */
async function measure(server: LocalServer, isolate: IsolateMemory, send: () => Promise<number>) {
  await isolate.collectGarbage();
  const baseline = await isolate.used();
  const rssBaseline = server.workerdRss();
  let peak = baseline;
  let rssPeak = rssBaseline;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await isolate.used());
      rssPeak = Math.max(rssPeak, server.workerdRss());
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const started = performance.now();
  const status = await send();
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;
  return { status, seconds, growth: peak - baseline, rssGrowth: rssPeak - rssBaseline };
}

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
const BIG = 300 * 1024 * 1024;

const server = await startLocalServer();
const isolate = await IsolateMemory.connect(server.inspectorPort);
try {
  const device = await SimDevice.create({ api: server.base });
  await device.register();
  const urlFor = async (seg: number) => {
    const res = await device.apiGet(`v1.4/${device.dongleId}/upload_url/`, {
      path: `00000001--0123456789--${seg}/fcamera.hevc`,
    });
    return ((await res.json()) as { url: string }).url;
  };
  // Warm-up: the first request compiles the Worker and fills module-level caches.
  await putStreaming(await urlFor(0), 1024 * 1024);
  const normal = await measure(server, isolate, async () => putStreaming(await urlFor(1), SIZE));
  const big = await measure(server, isolate, async () => putStreaming(await urlFor(2), BIG));
  const line = (label: string, r: typeof normal, size: number) =>
    console.log(
      `${label}  isolate growth ${mb(r.growth).padStart(6)} MB   workerd RSS growth ${mb(r.rssGrowth).padStart(6)} MB   status ${r.status}   ${(size / 1024 / 1024 / r.seconds).toFixed(1)} MB/s`,
    );
  line(" 75 MB upload", normal, SIZE);
  line("300 MB upload", big, BIG);
  const ok =
    normal.status === 201 && big.status === 201 && normal.growth < 16 * 1024 * 1024 && big.growth < 16 * 1024 * 1024;
  console.log(`isolate memory growth < 16 MB per upload: ${ok ? "PASS" : "FAIL"}`);
  if (!ok) process.exitCode = 1;
} finally {
  isolate.close();
  server.stop();
}
