/**
 * Per-segment qlog processing CPU measured inside workerd (bench/workerd/qlog-cpu.workerd.ts through the vitest
 * workerd pool). bench/logs-qlog.ts measures the same code in Node, with memory; this one is the runtime the consumer
 * runs on. Goal: ≤ 15 ms per qlog segment. Run: `npm run bench:processing-workerd`.
 */
import { spawnSync } from "node:child_process";
import { OFFLINE_ENV, ROOT } from "../scripts/lib";

const res = spawnSync(
  "npx",
  [
    "vitest",
    "run",
    "--config",
    "bench/workerd/vitest.config.ts",
    "--reporter=dot",
    "bench/workerd/qlog-cpu.workerd.ts",
  ],
  {
    cwd: ROOT,
    env: { ...OFFLINE_ENV, ...process.env },
    encoding: "utf8",
  },
);
const out = `${res.stdout}\n${res.stderr}`;
const lines = out
  .split("\n")
  .map((l) => l.replace(/\x1b\[[0-9;]*m/g, ""))
  .filter((l) => l.startsWith("BENCH "));
for (const l of lines) console.log(l.slice(6));
if (res.status !== 0 || !lines.length) {
  console.error(out.slice(-3000));
  process.exit(1);
}
