/**
 * How a manual import is cut into R2 multipart parts. R2's rules (same as S3): every part but the last is at
 * least 5 MiB, all non-final parts have the same size, the last is no larger than the others, at most 10,000
 * parts. A file smaller than one part is uploaded as a single (short) part, which R2 allows.
 */
const MiB = 1024 * 1024;

export const MIN_PART_SIZE = 5 * MiB;
/** Enough parts to resume cheaply, few enough requests for a 100 MB camera file. */
export const DEFAULT_CHUNK_SIZE = 16 * MiB;
/** Workers refuse request bodies over 100 MB on the Free/Pro plans; stay well below. */
export const MAX_CHUNK_SIZE = 64 * MiB;
export const MAX_PARTS = 10_000;
/**
 * Segment files are ≤ ~100 MB; 2 GiB leaves room for odd files while keeping the completion step (R2 read,
 * SHA-256 over every byte, one copy under the 5 GiB single-put limit) well inside a request's CPU budget.
 */
export const MAX_IMPORT_SIZE = 2 * 1024 * MiB;

export interface ChunkPlan {
  chunkSize: number;
  chunkCount: number;
}

/** The server decides: a requested size is clamped into R2's range and grown if it would need too many parts. */
export function planChunks(size: number, requested?: number): ChunkPlan {
  let chunk = Math.min(MAX_CHUNK_SIZE, Math.max(MIN_PART_SIZE, Math.floor(requested ?? DEFAULT_CHUNK_SIZE)));
  chunk = Math.max(chunk, Math.ceil(size / MAX_PARTS));
  if (size <= chunk) return { chunkSize: size, chunkCount: 1 };
  return { chunkSize: chunk, chunkCount: Math.ceil(size / chunk) };
}

/** Exact byte length part `n` (1-based) must have. */
export function partLength(plan: ChunkPlan & { size: number }, n: number): number {
  return n < plan.chunkCount ? plan.chunkSize : plan.size - (plan.chunkCount - 1) * plan.chunkSize;
}
