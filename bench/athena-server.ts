/**
 * `wrangler dev` on a frozen copy of the project, for the athena benches. wrangler dev rebuilds and restarts the
 * Worker whenever a source file changes, and a restart drops every websocket: a bench holding 1000 device
 * sockets for minutes must not depend on nobody saving a file meanwhile. Otherwise like bench/local-server.ts
 * (fresh local state, migrations applied), plus the workerd processes' ids for CPU readings.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { OFFLINE_ENV, ROOT, ensureDevVars, run, waitForHttp } from "../scripts/lib";
import { workerdPidsUnder } from "./athena-fixtures";

export interface SnapshotServer {
  base: string;
  inspectorPort: number;
  /** workerd processes serving this server (for CPU and RSS readings). */
  pids: number[];
  stop(): void;
}

const SKIP = new Set(["node_modules", ".git", ".wrangler", "test-results", "bench"]);

export async function startSnapshotServer(): Promise<SnapshotServer> {
  ensureDevVars();
  const dir = mkdtempSync(path.join(tmpdir(), "edge-athena-bench-"));
  cpSync(ROOT, dir, { recursive: true, filter: (src) => !SKIP.has(path.relative(ROOT, src).split(path.sep)[0]) });
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  const persist = path.join(dir, ".state");
  run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
    cwd: dir,
    stdio: "ignore",
    env: { ...OFFLINE_ENV, CI: "true" },
  });
  const port = 8900 + Math.floor(Math.random() * 90);
  const inspectorPort = port + 1000;
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
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
      "error",
    ],
    {
      cwd: dir,
      env: OFFLINE_ENV,
      detached: true,
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const stop = () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* gone */
    }
  };
  // wrangler runs in its own process group: take it down with us however the bench ends.
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  process.once("exit", stop);
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(base, 90_000);
  return { base, inspectorPort, pids: workerdPidsUnder(child.pid!), stop };
}
