/**
 * "This device presented a new key": a registration named this device's serial with a key it does not hold. The
 * device keeps its key until the owner (or an admin) approves one; a real device whose key was regenerated is
 * refused until then, someone who copied the serial never gets in. Shown only while a request is pending.
 */
import { createResource, createSignal, For, type JSX, Show } from "solid-js";
import { decideKeyRequest, type KeyRequest, listKeyRequests } from "../api/devices";
import { ConfirmDialog } from "../components/Dialog";
import { errorText } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";
import { ago } from "../util/format";

/** First 16 hex digits of the SHA-256 fingerprint, in pairs: enough to compare with what the device shows. */
const shortFingerprint = (hex: string) => (hex.slice(0, 16).match(/../g) ?? []).join(":");

export function KeyRequestsPanel(props: { dongleId: string }): JSX.Element {
  const [requests, { refetch }] = createResource(
    () => props.dongleId,
    async (d) => (await listKeyRequests(d).catch(() => [] as KeyRequest[])).filter((r) => r.state === "pending"),
  );
  const [confirming, setConfirming] = createSignal<KeyRequest | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const decide = async (r: KeyRequest, decision: "approve" | "reject") => {
    setBusy(true);
    setError(null);
    try {
      await decideKeyRequest(props.dongleId, r.id, decision);
      toast(t(decision === "approve" ? "keyreq.approved" : "keyreq.rejected"));
      setConfirming(null);
      await refetch();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Show when={(requests() ?? []).length > 0}>
      <section class="card danger key-requests" aria-labelledby="keyreq-h">
        <h2 id="keyreq-h">{t("keyreq.title")}</h2>
        <p class="muted small">{t("keyreq.hint")}</p>
        <ul class="stack key-request-list">
          <For each={requests()}>
            {(r) => (
              <li class="key-request">
                <dl class="small">
                  <dt>{t("keyreq.fingerprint")}</dt>
                  <dd>
                    <code>{shortFingerprint(r.key_fingerprint)}</code> ({r.key_algorithm})
                  </dd>
                  <dt>{t("keyreq.serial")}</dt>
                  <dd>{r.serial || "—"}</dd>
                  <dt>{t("keyreq.seen")}</dt>
                  <dd>
                    {ago(new Date((r.last_seen ?? r.first_seen) * 1000))}
                    {r.ip ? ` · ${r.ip}` : ""}
                  </dd>
                </dl>
                <div class="actions">
                  <button
                    type="button"
                    class="btn btn-danger-outline"
                    disabled={busy()}
                    onClick={() => {
                      setError(null);
                      setConfirming(r);
                    }}
                  >
                    {t("keyreq.approve")}
                  </button>
                  <button type="button" class="btn" disabled={busy()} onClick={() => void decide(r, "reject")}>
                    {t("keyreq.reject")}
                  </button>
                </div>
              </li>
            )}
          </For>
        </ul>
        <Show when={error() && !confirming()}>
          <p class="form-error small" role="alert">
            {error()}
          </p>
        </Show>
        <ConfirmDialog
          open={confirming() !== null}
          title={t("keyreq.approve_title")}
          message={t("keyreq.approve_confirm")}
          confirmLabel={t("keyreq.approve")}
          busy={busy()}
          error={error()}
          onConfirm={() => void decide(confirming()!, "approve")}
          onClose={() => setConfirming(null)}
        />
      </section>
    </Show>
  );
}
