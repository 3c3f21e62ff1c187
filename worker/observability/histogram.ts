/**
 * Fixed-bucket latency histograms: cheap to add to (one comparison loop), cheap to merge (add arrays), and enough
 * for a p95 that is right to within one bucket. The same bucket edges are used by the isolate buffers, the
 * MetricsObject rows and the Prometheus output.
 */

/** Upper edges (ms) of the latency buckets; a last, unbounded bucket catches the rest. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000] as const;
export const BUCKET_COUNT = LATENCY_BUCKETS_MS.length + 1;

export function bucketOf(ms: number): number {
  for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) if (ms <= LATENCY_BUCKETS_MS[i]) return i;
  return LATENCY_BUCKETS_MS.length;
}

/**
 * The q-quantile of a histogram (counts per bucket), interpolated linearly inside its bucket. The unbounded bucket
 * answers its lower edge: we know no more than "above 30 s".
 */
export function quantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (n > 0 && seen + n >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1];
      if (i >= LATENCY_BUCKETS_MS.length) return lower;
      const upper = LATENCY_BUCKETS_MS[i];
      return lower + ((upper - lower) * (rank - seen)) / n;
    }
    seen += n;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1];
}
