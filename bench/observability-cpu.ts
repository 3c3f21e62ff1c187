/**
 * CPU the logging + metrics middleware adds per request, measured inside workerd
 * (bench/workerd/observability-cpu.workerd.ts). Budget (issue #12): health + metrics ≤ 0.2 ms per request.
 * The end-to-end A/B is `npm run bench:routes` against `OBSERVABILITY=off npm run bench:routes`.
 */
import { printWorkerdBench } from "./workerd/run";

printWorkerdBench(["bench/workerd/observability-cpu.workerd.ts"]);
