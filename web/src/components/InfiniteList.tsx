/**
 * Paged loading driven by a sentinel element: when it scrolls into view the next page loads, until a page comes
 * back shorter than asked. A "Load more" button stays as the keyboard / no-IntersectionObserver path.
 */
import { createSignal, type JSX, onCleanup, onMount, Show } from "solid-js";
import { t } from "../i18n";
import { ErrorNote, Loading } from "./States";

export interface Pager<T> {
  items: () => T[];
  loading: () => boolean;
  done: () => boolean;
  error: () => unknown;
  more: () => Promise<void>;
}

/** `load` gets what is loaded so far and returns only new items; fewer than `pageSize` means the end. */
export function createPager<T>(load: (loaded: T[]) => Promise<T[]>, pageSize: number): Pager<T> {
  const [items, setItems] = createSignal<T[]>([]);
  const [loading, setLoading] = createSignal(false);
  const [done, setDone] = createSignal(false);
  const [error, setError] = createSignal<unknown>(null);
  const more = async () => {
    if (loading() || done()) return;
    setLoading(true);
    setError(null);
    try {
      const page = await load(items());
      setItems((l) => [...l, ...page]);
      if (page.length < pageSize) setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };
  return { items, loading, done, error, more };
}

export function LoadMore<T>(props: { pager: Pager<T> }): JSX.Element {
  let sentinel!: HTMLDivElement;
  onMount(() => {
    if (!("IntersectionObserver" in window)) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void props.pager.more();
      },
      { rootMargin: "400px" },
    );
    io.observe(sentinel);
    onCleanup(() => io.disconnect());
  });
  return (
    <div ref={sentinel} class="load-more">
      <Show when={props.pager.error()}>
        <ErrorNote error={props.pager.error()} retry={() => void props.pager.more()} />
      </Show>
      <Show when={props.pager.loading()}>
        <Loading />
      </Show>
      <Show when={!props.pager.loading() && !props.pager.done() && !props.pager.error()}>
        <button type="button" class="btn" onClick={() => void props.pager.more()}>
          {t("common.load_more")}
        </button>
      </Show>
    </div>
  );
}
