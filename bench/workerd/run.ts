/**
 * Runs benchmark files inside workerd (the vitest workerd pool of bench/workerd/vitest.config.ts) and returns the
 * lines they print with a `BENCH ` prefix, without it. Exits the process with the run's output when it fails or
 * prints nothing, so a broken bench never looks like a quiet one.
 */
import { spawnSync } from "node:child_process";
import { OFFLINE_ENV, ROOT } from "../../scripts/lib";

export function runWorkerdBench(files: string[]): string[] {
  const res = spawnSync(
    "npx",
    ["vitest", "run", "--config", "bench/workerd/vitest.config.ts", "--reporter=dot", "--retry=0", ...files],
    { cwd: ROOT, env: { ...OFFLINE_ENV, ...process.env }, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
  );
  const out = `${res.stdout}\n${res.stderr}`;
  const lines = out
    .split("\n")
    .map((l) => l.replace(/\x1b\[[0-9;]*m/g, ""))
    .filter((l) => l.startsWith("BENCH "))
    .map((l) => l.slice(6));
  if (res.status !== 0 || !lines.length) {
    console.error(out.slice(-4000));
    process.exit(1);
  }
  return lines;
}

/** Runs the files and prints what they measured. */
export function printWorkerdBench(files: string[]): void {
  for (const line of runWorkerdBench(files)) console.log(line);
}
