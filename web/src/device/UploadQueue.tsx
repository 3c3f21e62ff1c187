/**
 * What the device is uploading (athena listUploadQueue, polled every 2 s while shown) with progress and cancel,
 * plus uploads still waiting in the server's offline queue for the device to reconnect. `logId` narrows both to
 * one drive (the route page).
 */
import { createSignal, For, type JSX, onCleanup, onMount, Show } from "solid-js";
import { cancelUploads, listUploadQueue, offlineQueue } from "../api/athena";
import { ApiError } from "../api/client";
import type { OfflineQueueItem, UploadItem } from "../api/types";
import { describeUpload } from "../api/uploads";
import { errorText } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";
import { percent } from "../util/format";

const POLL_MS = 2000;

interface Waiting {
  fn: string;
  expiry?: number;
}

function waitingUploads(items: OfflineQueueItem[]): Waiting[] {
  return items
    .filter((i) => i.method === "uploadFilesToUrls")
    .flatMap((i) => (i.params?.files_data ?? []).map((f) => ({ fn: f.fn, expiry: i.expiry })));
}

export function UploadQueue(props: { dongleId: string; logId?: string; canCancel?: boolean }): JSX.Element {
  const [items, setItems] = createSignal<UploadItem[] | null>(null);
  const [waiting, setWaiting] = createSignal<Waiting[]>([]);
  const [deviceState, setDeviceState] = createSignal<"online" | "offline" | "error">("online");
  const [busy, setBusy] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const matches = (path: string) => !props.logId || describeUpload(path).route === props.logId;

  const poll = async () => {
    if (document.visibilityState === "visible") {
      const [queue, offline] = await Promise.allSettled([
        listUploadQueue(props.dongleId),
        offlineQueue(props.dongleId),
      ]);
      if (queue.status === "fulfilled") {
        setItems((queue.value ?? []).filter((i) => matches(i.path)));
        setDeviceState("online");
      } else {
        const err = queue.reason;
        setDeviceState(
          err instanceof ApiError && (err.status === 404 || err.status === 504 || err.status === 502)
            ? "offline"
            : "error",
        );
      }
      if (offline.status === "fulfilled") setWaiting(waitingUploads(offline.value).filter((w) => matches(w.fn)));
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  onMount(() => void poll());
  onCleanup(() => {
    stopped = true;
    clearTimeout(timer);
  });

  const cancel = async (ids: string[]) => {
    setBusy(true);
    try {
      await cancelUploads(props.dongleId, ids);
      setItems((l) => l?.filter((i) => !ids.includes(i.id)) ?? null);
      toast(t("uploads.cancelled", { count: ids.length }));
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  };

  const label = (path: string) => {
    const d = describeUpload(path);
    return d.segment === null ? d.file : t("uploads.item", { file: d.file, segment: d.segment, route: d.route ?? "" });
  };
  const cancellable = () => (items() ?? []).filter((i) => !i.current).map((i) => i.id);

  return (
    <section class="card upload-queue" aria-labelledby="uq-h" aria-busy={items() === null}>
      <div class="section-head">
        <h2 id="uq-h">{t("uploads.title")}</h2>
        <Show when={props.canCancel !== false && cancellable().length > 1}>
          <button type="button" class="btn btn-small" disabled={busy()} onClick={() => void cancel(cancellable())}>
            {t("uploads.cancel_all")}
          </button>
        </Show>
      </div>
      <Show when={deviceState() === "offline"}>
        <p class="muted small">{t("uploads.device_offline")}</p>
      </Show>
      <Show when={deviceState() === "error"}>
        <p class="form-error small">{t("uploads.error")}</p>
      </Show>
      <Show when={(items()?.length ?? 0) === 0 && waiting().length === 0 && deviceState() === "online"}>
        <p class="muted small">{items() === null ? t("common.loading") : t("uploads.empty")}</p>
      </Show>
      <ul class="upload-list">
        <For each={items() ?? []}>
          {(item) => (
            <li class="upload-item">
              <div class="upload-row">
                <span class="upload-name">{label(item.path)}</span>
                <span class="muted small">{item.current ? percent(item.progress) : t("uploads.queued")}</span>
                <Show when={props.canCancel !== false && !item.current}>
                  <button
                    type="button"
                    class="btn-icon"
                    disabled={busy()}
                    aria-label={t("uploads.cancel_item", { name: label(item.path) })}
                    onClick={() => void cancel([item.id])}
                  >
                    ×
                  </button>
                </Show>
              </div>
              <div
                class="progress"
                role="progressbar"
                aria-label={label(item.path)}
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow={Math.round(item.progress * 100)}
              >
                <span style={{ width: `${Math.round(item.progress * 100)}%` }} />
              </div>
            </li>
          )}
        </For>
        <For each={waiting()}>
          {(w) => (
            <li class="upload-item upload-waiting">
              <div class="upload-row">
                <span class="upload-name">{label(w.fn)}</span>
                <span class="muted small">{t("uploads.waiting")}</span>
              </div>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
