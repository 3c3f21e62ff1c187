/**
 * Where the session lives: localStorage, so every tab shares it. Refresh tokens are single use (rotation), so
 * tabs must not refresh with the same token at once: refreshes run under a Web Lock and re-read storage first.
 */
import type { Tokens } from "./types";

const KEY = "edge-connect.session";

export interface StoredSession {
  access: string;
  refresh: string;
  /** ms epoch after which the access token is no longer accepted */
  expiresAt: number;
}

export function readSession(): StoredSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as StoredSession) : null;
  } catch {
    return null;
  }
}

export function storeTokens(t: Tokens): StoredSession {
  const s = { access: t.access_token, refresh: t.refresh_token, expiresAt: Date.now() + t.expires_in * 1000 };
  localStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}

/** Runs `fn` while holding the cross-tab refresh lock (plain call where Web Locks are missing). */
export function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? locks.request("edge-connect.refresh", fn) : fn();
}

export const SESSION_KEY = KEY;
