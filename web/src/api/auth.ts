/** Accounts: our /api/v1/auth endpoints. */
import { request } from "./client";
import { clearSession, readSession, storeTokens, withRefreshLock } from "./tokens";
import type { Tokens, User } from "./types";

type SignedIn = Tokens & { user: User };

/** `invite`: the token of an invite or claim link (the only way in when the server's registration is closed). */
export async function signUp(email: string, password: string, name?: string, invite?: string): Promise<User> {
  const r = await request<SignedIn>("/api/v1/auth/register", {
    json: { email, password, name: name || null, invite: invite || null },
    anonymous: true,
  });
  storeTokens(r);
  return r.user;
}

export async function signIn(email: string, password: string): Promise<User> {
  const r = await request<SignedIn>("/api/v1/auth/login", { json: { email, password }, anonymous: true });
  storeTokens(r);
  return r.user;
}

/** Revokes the refresh token server-side when reachable; the local session is dropped either way. */
export async function signOut(): Promise<void> {
  const s = readSession();
  clearSession();
  if (s)
    await request("/api/v1/auth/logout", { json: { refresh_token: s.refresh }, anonymous: true }).catch(
      () => undefined,
    );
}

/**
 * The server signs out every other session and answers with new tokens for this one. They are stored under the
 * refresh lock so that a refresh another tab started with the old (now revoked) token cannot clear them afterwards.
 */
export async function changePassword(current: string, next: string): Promise<void> {
  const tokens = await request<Tokens>("/api/v1/auth/password", {
    json: { current_password: current, new_password: next },
  });
  await withRefreshLock(async () => storeTokens(tokens));
}

export const getMe = () => request<User>("/api/v1/auth/me");

export const hasSession = () => readSession() !== null;
