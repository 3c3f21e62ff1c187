/**
 * CPU the rate-limit check adds per request (issue #13 budget: ≤ 0.3 ms together with the API-key lookup), timed
 * inside workerd by bench/workerd/rate-limit-cpu.workerd.ts, and what an API key costs next to an access token
 * (bench/workerd/api-key-cpu.workerd.ts), through the vitest workerd pool.
 * Run: `npm run bench:ratelimit`.
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
    "bench/workerd/rate-limit-cpu.workerd.ts",
    "bench/workerd/api-key-cpu.workerd.ts",
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
