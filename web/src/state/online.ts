/**
 * Whether we can reach the server: drives the offline banner and disables actions that need the server.
 * `navigator.onLine` alone is not enough (it says "online" on a captive portal, behind a dead VPN or, in some
 * browsers, under emulated offline mode), so what our own requests see counts too: a network failure or an answer
 * the service worker served from its cache (marked with OFFLINE_HEADER) means offline; a real answer means online.
 */
import { createSignal } from "solid-js";

/** Set by the service worker on responses it answered from its cache because the network failed. */
export const OFFLINE_HEADER = "x-edge-connect-offline";

const [online, setOnline] = createSignal(navigator.onLine);
window.addEventListener("online", () => setOnline(true));
window.addEventListener("offline", () => setOnline(false));

/** Records what one request to our server told us about reachability. */
export function noteResponse(res: Response): void {
  setOnline(!res.headers.has(OFFLINE_HEADER));
}

export function noteNetworkFailure(): void {
  setOnline(false);
}

export { online };
