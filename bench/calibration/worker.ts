/**
 * The calibration Worker for latency benchmarks: answers every request with a fixed small JSON body and touches
 * nothing. Same assets/observability setup as the product, so its numbers are the floor that local workerd and the
 * load generator alone impose on this machine.
 */
export default {
  fetch: () => new Response('{"error":"not_found"}', { status: 404, headers: { "Content-Type": "application/json" } }),
} satisfies ExportedHandler;
