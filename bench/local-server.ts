/**
 * Starts `wrangler dev` on a free port with its own throw-away state directory, for benchmarks that need the
 * real Worker on local workerd. Also samples the resident memory of the workerd processes it spawned.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { applyEdits, modify } from "jsonc-parser";
import { tmpdir } from "node:os";
import path from "node:path";
import { OFFLINE_ENV, ROOT, ensureDevVars, run, waitForHttp } from "../scripts/lib";

export interface LocalServer {
  base: string;
  stop(): void;
  /** Sum of VmRSS (bytes) of every workerd process under the server. */
  workerdRss(): number;
  /** CPU time (ms, user + system) the workerd processes under the server have used so far. */
  workerdCpuMs(): number;
  /** DevTools inspector port of the Worker isolate (wrangler's inspector proxy). */
  inspectorPort: number;
  /** Where this server keeps its local D1/R2 state (for `wrangler d1 execute --persist-to`). */
  persistDir: string;
  /**
   * The Worker's own workerd socket, behind wrangler dev's proxy. Production has no such proxy, and here it adds
   * ~5 ms and a second process to every request, so latency benchmarks talk to workerd directly.
   */
  directBase(): Promise<string>;
}

/** Listening TCP ports of the given processes, from /proc/net/tcp and each process's socket inodes. */
function listeningPorts(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m) inodes.add(m[1]);
        } catch {
          /* fd closed */
        }
      }
    } catch {
      /* process exited */
    }
  }
  const ports: number[] = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[3] === "0A" && inodes.has(cols[9])) ports.push(parseInt(cols[1].split(":")[1], 16));
  }
  return ports;
}

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* process exited */
    }
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length)
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  return out;
}

/** utime + stime of a process in ms (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
      .replace(/^.*\) /, "")
      .split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

function rssOf(pid: number): { name: string; rss: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return {
      name: /Name:\s+(\S+)/.exec(status)?.[1] ?? "",
      rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024,
    };
  } catch {
    return { name: "", rss: 0 };
  }
}

/** `config` picks another wrangler config (e.g. the calibration Worker); the default is the product itself. */
/** `vars` are passed as `--var KEY:VALUE` (e.g. OBSERVABILITY=off for an A/B run). */
export async function startLocalServer(
  opts: { port?: number; config?: string; vars?: Record<string, string> } = {},
): Promise<LocalServer> {
  const port = opts.port ?? 8800 + Math.floor(Math.random() * 100);
  const persist = mkdtempSync(path.join(tmpdir(), "edge-bench-"));
  const configArgs = opts.config ? ["--config", opts.config] : [];
  const varArgs = Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  if (!opts.config) {
    ensureDevVars();
    // Load generators send hundreds of requests a minute from one user and one address: the product's rate limits
    // (ratelimits bindings) would answer them 429, so benches run a copy of the config without those bindings (the
    // limiter's own cost is bench:ratelimit's). The copy sits in the root, where the config's relative paths resolve.
    const benchConfig = path.join(ROOT, "wrangler.bench.jsonc");
    const text = readFileSync(path.join(ROOT, "wrangler.jsonc"), "utf8");
    writeFileSync(benchConfig, applyEdits(text, modify(text, ["ratelimits"], undefined, {})));
    configArgs.push("--config", benchConfig);
    run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist, ...configArgs], {
      stdio: "ignore",
      env: { ...OFFLINE_ENV, CI: "true" },
    });
  }
  const inspectorPort = port + 1000;
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      ...configArgs,
      ...varArgs,
      "--inspector-port",
      String(inspectorPort),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      persist,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    {
      cwd: ROOT,
      env: OFFLINE_ENV,
      detached: true,
      stdio: ["ignore", process.env.BENCH_SERVER_LOG ? "inherit" : "ignore", "inherit"],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(base, 90_000);
  return {
    base,
    inspectorPort,
    persistDir: persist,
    stop: () => {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* gone */
      }
    },
    directBase: async () => {
      // The Worker answers an unknown API path with its own JSON 404; the proxy's port is the public one.
      for (const p of listeningPorts(descendants(child.pid!))) {
        if (p === port || p === inspectorPort) continue;
        const candidate = `http://127.0.0.1:${p}`;
        const res = await fetch(`${candidate}/api/v1/__probe__`).catch(() => null);
        if (res?.status === 404 && (await res.text()).includes('"error":"not_found"')) return candidate;
      }
      throw new Error("could not find the Worker's workerd socket behind wrangler dev");
    },
    workerdCpuMs: () =>
      descendants(child.pid!)
        .filter((pid) => rssOf(pid).name === "workerd")
        .reduce((a, pid) => a + cpuMsOf(pid), 0),
    workerdRss: () =>
      descendants(child.pid!)
        .map(rssOf)
        .filter((p) => p.name === "workerd")
        .reduce((a, p) => a + p.rss, 0),
  };
}
