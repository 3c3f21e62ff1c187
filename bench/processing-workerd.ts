/**
 * Per-segment qlog processing CPU measured inside workerd (bench/workerd/qlog-cpu.workerd.ts through the vitest
 * workerd pool). bench/logs-qlog.ts measures the same code in Node, with memory; this one is the runtime the consumer
 * runs on. Goal: ≤ 15 ms per qlog segment. Run: `npm run bench:processing-workerd`.
 */
import { printWorkerdBench } from "./workerd/run";

printWorkerdBench(["bench/workerd/qlog-cpu.workerd.ts"]);
