/**
 * Scrubs secrets out of anything that goes into a log line. Request logs carry route patterns rather than raw paths,
 * so most lines never see a secret; this is the net under error messages, stacks and free-form fields, which can
 * quote a URL, a header or a request body.
 */

const REDACTED = "[redacted]";

// Query parameters that authorise by themselves (signed upload/media URLs, share links) or carry credentials.
const SECRET_QUERY =
  /([?&;](?:sig|exp|share_sig|share_exp|token|access_token|refresh_token|code|password|key)=)[^&#\s"'<>]*/gi;
// Compact JWS (ours, the devices', comma's): three base64url parts, the first one a JSON header ("eyJ…").
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
// `Authorization: JWT …`, `Bearer …`, `Cookie: jwt=…`.
const AUTH_SCHEME = /\b(Bearer|JWT|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const COOKIE_JWT = /\bjwt=[^;\s"']+/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Our own opaque secrets: API keys and refresh tokens (long hex/base64url runs).
const LONG_OPAQUE = /\b[A-Za-z0-9_-]{40,}\b/g;

/** Field names whose values are never logged, whatever they hold. */
const SECRET_FIELD = /pass(word)?|secret|token|authorization|cookie|^sig$|signature|api_?key|^email$/i;

export function redactString(s: string): string {
  return s
    .replace(SECRET_QUERY, `$1${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(COOKIE_JWT, `jwt=${REDACTED}`)
    .replace(EMAIL, "[email]")
    .replace(LONG_OPAQUE, REDACTED);
}

/** A deep copy of `value` with secret-named fields dropped and every string scrubbed. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactString(value);
  if (value === null || typeof value !== "object") return value;
  if (depth > 4) return "[…]";
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) ? REDACTED : redact(v, depth + 1);
  return out;
}
