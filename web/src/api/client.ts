/**
 * The one place that talks HTTP to our server. Adds `Authorization: JWT <access>`, refreshes the access token
 * before it expires or after a 401 (once), and turns error bodies `{error, message}` into ApiError. A network
 * failure is not a sign-out: offline, the service worker may answer from its cache.
 */
import { clearSession, readSession, storeTokens, withRefreshLock, type StoredSession } from "./tokens";
import type { Tokens } from "./types";
import { noteNetworkFailure, noteResponse } from "../state/online";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the session is gone for good (refresh refused): the app returns to the sign-in page. */
let onSignedOut: () => void = () => {};
export function setSignedOutHandler(fn: () => void): void {
  onSignedOut = fn;
}

const REFRESH_MARGIN_MS = 60_000;

async function errorFrom(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown };
    if (typeof body.error === "string") code = body.error;
    if (typeof body.message === "string") message = body.message;
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, code, message);
}

let inflight: Promise<StoredSession | null> | null = null;

/** Exchanges the refresh token; null when the server refused it (signed out). Throws on network errors. */
export function refreshSession(): Promise<StoredSession | null> {
  const before = readSession();
  inflight ??= withRefreshLock(async () => {
    const current = readSession();
    if (!current) return null;
    // Another tab refreshed while we waited for the lock: use its tokens.
    if (before && current.refresh !== before.refresh) return current;
    const res = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: current.refresh }),
    });
    if (res.status === 401 || res.status === 400) {
      clearSession();
      return null;
    }
    if (!res.ok) throw await errorFrom(res);
    return storeTokens((await res.json()) as Tokens);
  }).finally(() => {
    inflight = null;
  });
  return inflight;
}

async function accessToken(): Promise<string | null> {
  const s = readSession();
  if (!s) return null;
  if (Date.now() < s.expiresAt - REFRESH_MARGIN_MS) return s.access;
  try {
    return (await refreshSession())?.access ?? null;
  } catch {
    return s.access; // offline: let the request (and the service worker's cache) decide
  }
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  form?: Record<string, string>;
  /** Send without the session (sign-in, sign-up). */
  anonymous?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const send = async (token: string | null) => {
    const headers: Record<string, string> = {};
    let body: BodyInit | undefined;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      body = new URLSearchParams(opts.form);
    }
    if (token) headers.Authorization = `JWT ${token}`;
    try {
      const res = await fetch(path, {
        method: opts.method ?? (body ? "POST" : "GET"),
        headers,
        body,
        signal: opts.signal,
      });
      noteResponse(res);
      return res;
    } catch (err) {
      if (isNetworkError(err)) noteNetworkFailure();
      throw err;
    }
  };
  const token = opts.anonymous ? null : await accessToken();
  let res = await send(token);
  if (res.status === 401 && token) {
    const next = await refreshSession().catch(() => null);
    if (!next) {
      onSignedOut();
      throw await errorFrom(res);
    }
    res = await send(next.access);
  }
  if (!res.ok) throw await errorFrom(res);
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** The current access token for things that cannot use request() (the live websocket). */
export const currentAccessToken = accessToken;

/** Whether an error means "we could not reach the server" rather than "the server said no". */
export const isNetworkError = (err: unknown) => err instanceof TypeError;
