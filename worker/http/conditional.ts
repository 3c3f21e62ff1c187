/**
 * If-None-Match per RFC 9110 §13.1.2: weak comparison (W/ prefixes ignored), a comma-separated list, or "*".
 */
export function ifNoneMatchHits(header: string | null | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  const want = opaque(etag);
  return header.split(",").some((tag) => tag.trim() === "*" || opaque(tag) === want);
}
