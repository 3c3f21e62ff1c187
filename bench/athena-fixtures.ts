/**
 * Shared setup for the athena benches: accounts, registered (and paired) simulated devices, and CPU/memory
 * readings of the local workerd processes from /proc.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { SimDevice } from "../test/device-sim/device";
import { generateDeviceKeys } from "../test/device-sim/keys";

export async function createAccount(base: string): Promise<{ auth: Record<string, string> }> {
  const email = `bench-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const res = await fetch(`${base}/api/v1/auth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: "Correct-Horse-42-battery" }),
  });
  if (res.status !== 201) throw new Error(`register failed ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { access_token: string };
  return { auth: { Authorization: `JWT ${body.access_token}` } };
}

/** ECDSA keys: generating 1000 RSA-2048 keys would dominate the setup. */
export async function registerDevice(base: string): Promise<SimDevice> {
  const device = await SimDevice.create({ api: base, keys: await generateDeviceKeys("ecdsa") });
  const reg = await device.register();
  if (reg.status !== 200) throw new Error(`pilotauth failed ${reg.status}`);
  return device;
}

export async function pair(base: string, auth: Record<string, string>, device: SimDevice): Promise<void> {
  const res = await fetch(`${base}/v2/pilotpair/`, {
    method: "POST",
    headers: auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  if (res.status !== 200) throw new Error(`pairing failed ${res.status}`);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const fmtMs = (ms: number) => `${ms.toFixed(2)} ms`;

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** The workerd processes under `root` (wrangler dev spawns them; other sessions may run their own). */
export function workerdPidsUnder(root: number): number[] {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      names.set(Number(entry), /Name:\s+(\S+)/.exec(status)?.[1] ?? "");
    } catch {
      /* exited */
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length)
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  return out.filter((pid) => names.get(pid) === "workerd");
}

/** User+system CPU seconds of the given processes. */
export function cpuSeconds(pids: Iterable<number>): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the full line)
    } catch {
      /* exited */
    }
  }
  return ticks / CLK_TCK;
}

/** Resident memory (bytes) of the given processes. */
export function rssBytes(pids: Iterable<number>): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return kb * 1024;
}
