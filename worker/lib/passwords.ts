/**
 * Password hashing: PBKDF2-HMAC-SHA256 through WebCrypto. bcrypt cost 12 in JS costs ~250 ms of CPU per hash,
 * beyond a Worker's CPU budget; PBKDF2 runs natively in workerd (bench/password-hash.ts prints the cost).
 * 100 000 iterations is the most workerd accepts (it rejects higher counts), and OWASP's 2023 floor for
 * PBKDF2-SHA256 is 600 000, so the count is stored per hash to allow raising it where the runtime allows.
 */
import { base64url, fromBase64, timingSafeEqual, utf8 } from "./encoding";

export const PBKDF2_ITERATIONS = 100_000;
const SCHEME = "pbkdf2-sha256";

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `${SCHEME}$${PBKDF2_ITERATIONS}$${base64url(salt)}$${base64url(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, salt, hash] = stored.split("$");
  if (scheme !== SCHEME || !iter || !salt || !hash) return false;
  const actual = await derive(password, fromBase64(salt), Number(iter));
  return timingSafeEqual(base64url(actual), hash);
}

/** Complexity rule: at least 12 characters, and at least three of lower case, upper case, digits, symbols. */
export function passwordProblem(password: string, email: string): string | null {
  if (typeof password !== "string" || password.length < 12) return "Password must be at least 12 characters long";
  if (password.length > 256) return "Password must be at most 256 characters long";
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) return "Password must mix at least three of: lower case, upper case, digits, symbols";
  if (password.toLowerCase().includes(email.split("@")[0].toLowerCase()) && email.split("@")[0].length >= 4) {
    return "Password must not contain your email name";
  }
  return null;
}
