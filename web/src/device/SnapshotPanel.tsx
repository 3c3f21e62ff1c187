/** Ask the device for a picture from both cameras (athena takeSnapshot; only while parked). */
import { createSignal, For, type JSX, Show } from "solid-js";
import { takeSnapshot } from "../api/athena";
import { ApiError } from "../api/client";
import type { Snapshot } from "../api/types";
import { Icon } from "../components/Icon";
import { errorText } from "../components/States";
import { t } from "../i18n";

export function SnapshotPanel(props: { dongleId: string; disabled?: boolean }): JSX.Element {
  const [shot, setShot] = createSignal<Snapshot | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const take = async () => {
    setBusy(true);
    setError(null);
    try {
      const s = await takeSnapshot(props.dongleId);
      if (!s?.jpegBack && !s?.jpegFront) setError(t("snapshot.empty"));
      setShot(s);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? t("snapshot.offline") : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const images = () => {
    const s = shot();
    return s
      ? (
          [
            ["jpegBack", t("snapshot.road")],
            ["jpegFront", t("snapshot.driver")],
          ] as const
        )
          .filter(([k]) => s[k])
          .map(([k, label]) => ({ src: `data:image/jpeg;base64,${s[k]}`, label }))
      : [];
  };
  return (
    <section class="card snapshot" aria-labelledby="snap-h">
      <div class="section-head">
        <h2 id="snap-h">{t("snapshot.title")}</h2>
        <button type="button" class="btn btn-small" disabled={busy() || props.disabled} onClick={() => void take()}>
          <Icon name="camera" /> {busy() ? t("common.working") : t("snapshot.take")}
        </button>
      </div>
      <Show when={error()}>
        <p class="form-error small" role="alert">
          {error()}
        </p>
      </Show>
      <Show when={images().length > 0} fallback={<p class="muted small">{t("snapshot.hint")}</p>}>
        <div class="snapshot-images">
          <For each={images()}>
            {(img) => (
              <figure>
                <img src={img.src} alt={img.label} />
                <figcaption>{img.label}</figcaption>
              </figure>
            )}
          </For>
        </div>
      </Show>
    </section>
  );
}
