/** Small byte/string helpers shared by the JWT, signing and hashing code. */
import { timingSafeEqual as nodeTimingSafeEqual } from "node:crypto";
import { base64url as joseBase64url } from "jose";

export const utf8 = new TextEncoder();

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}

export function randomHex(byteCount: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(byteCount)));
}

/** base64url without padding (JWT style), by jose. */
export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  return joseBase64url.encode(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
}

/** Standard or URL-safe base64, padded or not, with line breaks (PEM bodies, digest headers). */
export function fromBase64(text: string): Uint8Array {
  return joseBase64url.decode(text.replace(/\s+/g, "").replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_"));
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", utf8.encode(text)));
}

/**
 * Constant-time comparison of two strings (lengths are not secret here: signatures and hashes have fixed lengths):
 * the Workers runtime's `crypto.subtle.timingSafeEqual`, or Node's own where this module runs under Node (the
 * command-line tools create and check password hashes with worker/lib/passwords.ts).
 */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  if (x.byteLength !== y.byteLength) return false;
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean;
  };
  return subtle.timingSafeEqual ? subtle.timingSafeEqual(x, y) : nodeTimingSafeEqual(x, y);
}

// Route lists sign every item (share signature, derived-file prefix) and every user request verifies a JWT:
// import each secret's HMAC key once per isolate.
const hmacKeys = new Map<string, Promise<CryptoKey>>();

export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    hmacKeys.set(secret, key);
  }
  return key;
}

export async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), utf8.encode(message)));
}

/**
 * base64url(HMAC-SHA256) remembered per isolate. A route list signs two messages per drive and the same drives are
 * listed again and again; an HMAC is a pure function of (secret, message), so a remembered value is always right.
 * Bounded: the oldest entries go first (Map keeps insertion order).
 */
const signatures = new Map<string, string>();
const SIGNATURE_CACHE_SIZE = 20_000;

export async function hmacSha256Base64url(secret: string, message: string): Promise<string> {
  const cacheKey = `${secret.length}:${secret}\n${message}`;
  const hit = signatures.get(cacheKey);
  if (hit !== undefined) return hit;
  const value = base64url(await hmacSha256(secret, message));
  if (signatures.size >= SIGNATURE_CACHE_SIZE) signatures.delete(signatures.keys().next().value!);
  signatures.set(cacheKey, value);
  return value;
}
