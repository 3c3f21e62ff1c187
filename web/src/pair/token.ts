/**
 * What the user scanned or pasted → the pair token. A device's QR encodes "https://connect.comma.ai/?pair=<jwt>"
 * (any host works: only the token matters); people may also paste the bare JWT. Like new-connect, we read the
 * payload to catch obvious mistakes before asking the server: `pair` must be true and `identity` a dongle id.
 */
export type PairInput =
  | { token: string; dongleId: string }
  | { error: "empty" | "not_a_token" | "not_pairing" | "expired" };

function payload(jwt: string): Record<string, unknown> | null {
  try {
    const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "="))) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export function parsePairInput(text: string, nowS = Date.now() / 1000): PairInput {
  const raw = text.trim();
  if (!raw) return { error: "empty" };
  let token = raw;
  const m = /[?&#]pair=([^&#\s]+)/.exec(raw);
  if (m) token = decodeURIComponent(m[1]);
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return { error: "not_a_token" };
  const p = payload(token);
  if (!p) return { error: "not_a_token" };
  if (p.pair !== true || typeof p.identity !== "string") return { error: "not_pairing" };
  if (typeof p.exp === "number" && p.exp < nowS) return { error: "expired" };
  return { token, dongleId: p.identity };
}
