/**
 * CPU the rate-limit check adds per request (issue #13 budget: ≤ 0.3 ms together with the API-key lookup), timed
 * inside workerd by bench/workerd/rate-limit-cpu.workerd.ts, and what an API key costs next to an access token
 * (bench/workerd/api-key-cpu.workerd.ts), through the vitest workerd pool.
 * Run: `npm run bench:ratelimit`.
 */
import { printWorkerdBench } from "./workerd/run";

printWorkerdBench(["bench/workerd/rate-limit-cpu.workerd.ts", "bench/workerd/api-key-cpu.workerd.ts"]);
