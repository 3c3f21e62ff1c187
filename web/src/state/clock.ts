/** A coarse "now" that ticks, so "seen 5 minutes ago" and online badges stay true while a page stays open. */
import { createRoot, createSignal } from "solid-js";

const TICK_MS = 15_000;

export const now = createRoot(() => {
  const [value, set] = createSignal(Date.now());
  setInterval(() => set(Date.now()), TICK_MS);
  return value;
});
