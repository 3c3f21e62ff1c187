/**
 * Device public keys as openpilot sends them at registration: PEM text of an RSA-2048 key (SPKI
 * "BEGIN PUBLIC KEY" from pycryptodome, or PKCS#1 "BEGIN RSA PUBLIC KEY") or, from 0.10.2 on, an
 * ECDSA P-256 key. The algorithm of every later device JWT follows from the key type.
 */
import { fromBase64 } from "../lib/encoding";

export type DeviceKeyAlgorithm = "RS256" | "ES256";

export class InvalidPublicKeyError extends Error {}

const OID_RSA = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256 = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

function contains(haystack: Uint8Array, needle: number[], limit = 64): boolean {
  outer: for (let i = 0; i + needle.length <= Math.min(haystack.length, limit); i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return [0x80 | bytes.length, ...bytes];
}

function derTag(tag: number, body: Uint8Array): Uint8Array {
  const len = derLength(body.length);
  const out = new Uint8Array(1 + len.length + body.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(body, 1 + len.length);
  return out;
}

/** Wraps a PKCS#1 RSAPublicKey in the SPKI structure WebCrypto imports. */
function pkcs1ToSpki(pkcs1: Uint8Array): Uint8Array {
  const algId = new Uint8Array([0x30, 0x0d, 0x06, 0x09, ...OID_RSA, 0x05, 0x00]);
  const bitString = derTag(0x03, new Uint8Array([0x00, ...pkcs1]));
  const body = new Uint8Array(algId.length + bitString.length);
  body.set(algId);
  body.set(bitString, algId.length);
  return derTag(0x30, body);
}

export interface ParsedPublicKey {
  algorithm: DeviceKeyAlgorithm;
  spki: Uint8Array;
}

export function parseDevicePublicKey(pem: string): ParsedPublicKey {
  const match = /-----BEGIN (RSA )?PUBLIC KEY-----([\s\S]+?)-----END (RSA )?PUBLIC KEY-----/.exec(pem ?? "");
  if (!match) throw new InvalidPublicKeyError("public_key is not a PEM public key");
  let der: Uint8Array;
  try {
    der = fromBase64(match[2]);
  } catch {
    throw new InvalidPublicKeyError("public_key PEM body is not base64");
  }
  if (match[1]) return { algorithm: "RS256", spki: pkcs1ToSpki(der) };
  if (contains(der, OID_RSA)) return { algorithm: "RS256", spki: der };
  if (contains(der, OID_EC)) {
    if (!contains(der, OID_P256)) throw new InvalidPublicKeyError("only P-256 ECDSA keys are supported (ES256)");
    return { algorithm: "ES256", spki: der };
  }
  throw new InvalidPublicKeyError("public_key is neither RSA nor ECDSA");
}

// Importing a key costs more than verifying with it; devices call every minute, so keep recent keys per isolate.
const keyCache = new Map<string, Promise<CryptoKey>>();
const KEY_CACHE_LIMIT = 2000;

export function importDevicePublicKey(pem: string): Promise<{ key: CryptoKey; algorithm: DeviceKeyAlgorithm }> {
  const parsed = parseDevicePublicKey(pem);
  const cacheKey = pem.trim();
  let pending = keyCache.get(cacheKey);
  if (!pending) {
    const params =
      parsed.algorithm === "RS256"
        ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
        : { name: "ECDSA", namedCurve: "P-256" };
    pending = crypto.subtle.importKey("spki", parsed.spki, params, false, ["verify"]);
    pending.catch(() => keyCache.delete(cacheKey));
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(cacheKey, pending);
  }
  return pending.then(
    (key) => ({ key, algorithm: parsed.algorithm }),
    () => {
      throw new InvalidPublicKeyError("public_key could not be imported");
    },
  );
}

/** PEM text arrives URL-encoded in a query string; normalise line endings so re-registration matches. */
export function normalisePem(pem: string): string {
  return pem.replace(/\r\n/g, "\n").trim() + "\n";
}
