/**
 * CPU the logging + metrics middleware adds per request, measured inside workerd
 * (bench/workerd/observability-cpu.workerd.ts). Budget (issue #12): health + metrics ≤ 0.2 ms per request.
 * The end-to-end A/B is `npm run bench:routes` against `OBSERVABILITY=off npm run bench:routes`.
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
    "bench/workerd/observability-cpu.workerd.ts",
  ],
  { cwd: ROOT, env: { ...OFFLINE_ENV, ...process.env }, encoding: "utf8" },
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
