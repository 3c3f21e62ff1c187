/** "Upload full quality": pick which files the device should send for this drive. */
import { createSignal, For, type JSX, Show } from "solid-js";
import type { Route } from "../api/types";
import { requestFullQuality, type UploadKind } from "../api/uploads";
import { Dialog } from "../components/Dialog";
import { errorText } from "../components/States";
import { t } from "../i18n";

const KINDS: UploadKind[] = ["road", "wide", "driver", "logs"];

export function UploadDialog(props: {
  open: boolean;
  route: Route;
  onClose: () => void;
  onRequested: () => void;
}): JSX.Element {
  const [busy, setBusy] = createSignal(false);
  const [result, setResult] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const kinds = KINDS.filter((k) => data.get(k) === "on");
    if (!kinds.length) return setError(t("upload.pick_one"));
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await requestFullQuality(props.route, kinds);
      if (r.requested === 0 && !r.failed.length) setResult(t("upload.nothing_missing"));
      else if (r.queued) setResult(t("upload.queued", { count: r.requested }));
      else
        setResult(
          t("upload.requested", { count: r.requested }) +
            (r.failed.length ? ` ${t("upload.failed", { count: r.failed.length })}` : ""),
        );
      props.onRequested();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={props.open} title={t("upload.title")} onClose={props.onClose}>
      <form class="form" onSubmit={submit}>
        <p class="muted small">{t("upload.hint")}</p>
        <fieldset class="checks">
          <legend class="sr-only">{t("upload.files")}</legend>
          <For each={KINDS}>
            {(k) => (
              <label class="check">
                <input type="checkbox" name={k} checked={k === "road" || k === "logs"} />
                <span>{t(`upload.kind.${k}`)}</span>
              </label>
            )}
          </For>
        </fieldset>
        <Show when={result()}>
          <p class="form-ok" role="status">
            {result()}
          </p>
        </Show>
        <p class="form-error" role="alert">
          {error() ?? ""}
        </p>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={() => props.onClose()}>
            {t("common.close")}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy()}>
            {busy() ? t("common.working") : t("upload.submit")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
