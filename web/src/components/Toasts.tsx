/** Short confirmations ("Link copied") announced to screen readers through a polite live region. */
import { createSignal, For, type JSX } from "solid-js";

interface Toast {
  id: number;
  text: string;
  kind: "info" | "error";
}
const [toasts, setToasts] = createSignal<Toast[]>([]);
let next = 1;

export function toast(text: string, kind: Toast["kind"] = "info"): void {
  const id = next++;
  setToasts((l) => [...l, { id, text, kind }]);
  setTimeout(() => setToasts((l) => l.filter((x) => x.id !== id)), 4000);
}

export function Toasts(): JSX.Element {
  return (
    <div class="toasts" role="status" aria-live="polite">
      <For each={toasts()}>{(x) => <div class={`toast toast-${x.kind}`}>{x.text}</div>}</For>
    </div>
  );
}
