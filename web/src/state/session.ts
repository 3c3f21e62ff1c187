/** Who is signed in. The user object is cached in memory; the tokens themselves live in api/tokens.ts. */
import { createSignal } from "solid-js";
import { getMe, hasSession, signOut as apiSignOut } from "../api/auth";
import { isNetworkError, setSignedOutHandler } from "../api/client";
import { SESSION_KEY } from "../api/tokens";
import type { User } from "../api/types";

const [user, setUser] = createSignal<User | null>(null);
const [signedIn, setSignedIn] = createSignal(hasSession());
export { user, signedIn };

export function sessionStarted(u: User): void {
  setUser(u);
  setSignedIn(true);
}

/** Loads the user for a stored session; keeps the session when the server cannot be reached (offline). */
export async function loadUser(): Promise<void> {
  if (!hasSession()) return;
  try {
    setUser(await getMe());
  } catch (err) {
    if (!isNetworkError(err) && !hasSession()) setSignedIn(false);
  }
}

function forget(): void {
  setUser(null);
  setSignedIn(false);
  // Drop this user's cached drives so the next person using the browser cannot read them offline.
  navigator.serviceWorker?.controller?.postMessage("clear-data");
}

export async function signOut(): Promise<void> {
  await apiSignOut();
  forget();
}

setSignedOutHandler(forget);
window.addEventListener("storage", (e) => {
  // Another tab signed in or out.
  if (e.key === SESSION_KEY && !e.newValue) forget();
  if (e.key === SESSION_KEY && e.newValue && !signedIn()) {
    setSignedIn(true);
    void loadUser();
  }
});
