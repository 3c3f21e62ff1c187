/** Pair a device: scan its QR code or paste its URL or token, then POST /v2/pilotpair/. */
import { useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal, type JSX, onMount, Show } from "solid-js";
import { ApiError } from "../api/client";
import { pair } from "../api/devices";
import { errorText } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";
import { parsePairInput } from "../pair/token";
import { QrScanner } from "../pair/QrScanner";
import { refreshDevices } from "../state/devices";

/** The server's pairing answers (docs/connect-api.md §3 #17), in words. */
function pairError(err: unknown): string {
  if (err instanceof ApiError) {
    const known: Record<number, string> = {
      400: t("pair.error.400"),
      401: t("pair.error.401"),
      403: t("pair.error.403"),
      404: t("pair.error.404"),
      417: t("pair.error.417"),
    };
    if (known[err.status]) return known[err.status];
  }
  return errorText(err);
}

export default function Pair(): JSX.Element {
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const [text, setText] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  const submit = async (input: string) => {
    setError(null);
    const parsed = parsePairInput(input);
    if ("error" in parsed) return setError(t(`pair.invalid.${parsed.error}`));
    setBusy(true);
    try {
      await pair(parsed.token);
      await refreshDevices();
      toast(t("pair.done"));
      navigate(`/devices/${parsed.dongleId}`);
    } catch (err) {
      setError(pairError(err));
    } finally {
      setBusy(false);
    }
  };

  // Opened from a device's QR link (/?pair=… or /pair?token=…): pair straight away.
  onMount(() => {
    const token = search.token ?? search.pair;
    if (typeof token === "string" && token) {
      setText(token);
      void submit(token);
    }
  });

  return (
    <div class="page pair-page">
      <header class="page-head">
        <h1>{t("pair.title")}</h1>
        <p class="muted">{t("pair.intro")}</p>
      </header>
      <div class="pair-grid">
        <section class="card" aria-labelledby="scan-h">
          <h2 id="scan-h">{t("pair.scan_title")}</h2>
          <QrScanner
            onResult={(v) => {
              setText(v);
              void submit(v);
            }}
          />
        </section>
        <section class="card" aria-labelledby="paste-h">
          <h2 id="paste-h">{t("pair.paste_title")}</h2>
          <form
            class="form"
            onSubmit={(e) => {
              e.preventDefault();
              void submit(text());
            }}
          >
            <label class="field">
              <span>{t("pair.paste_label")}</span>
              <textarea
                name="token"
                rows="4"
                value={text()}
                onInput={(e) => setText(e.currentTarget.value)}
                spellcheck={false}
                autocomplete="off"
              />
            </label>
            <button type="submit" class="btn btn-primary" disabled={busy()}>
              {busy() ? t("common.working") : t("pair.submit")}
            </button>
          </form>
        </section>
      </div>
      <Show when={error()}>
        <p class="form-error pair-error" role="alert">
          {error()}
        </p>
      </Show>
    </div>
  );
}
