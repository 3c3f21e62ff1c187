/**
 * Sharing a drive: make it public (anyone with the link can watch it) and copy the link, or give another
 * account access. Per-drive sharing with a person does not exist server-side: it shares the device's drives
 * (read only), which the dialog says plainly.
 */
import { createSignal, type JSX, Show } from "solid-js";
import { addUser } from "../api/devices";
import { routePath, setPublic } from "../api/routes";
import type { Route } from "../api/types";
import { Dialog } from "../components/Dialog";
import { errorText } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";

export function ShareDialog(props: { open: boolean; route: Route; onClose: () => void; onChange: (r: Route) => void }): JSX.Element {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const link = () => `${location.origin}${routePath(props.route.fullname)}`;

  const togglePublic = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onChange(await setPublic(props.route.fullname, !props.route.is_public));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link());
      toast(t("share.copied"));
    } catch {
      toast(t("share.copy_failed"), "error");
    }
  };

  const invite = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const email = String(new FormData(form).get("email") ?? "").trim();
    setBusy(true);
    setError(null);
    try {
      await addUser(props.route.dongle_id, email, "read");
      toast(t("share.invited", { email }));
      form.reset();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={props.open} title={t("share.title")} onClose={props.onClose}>
      <div class="share-section">
        <label class="switch">
          <input type="checkbox" role="switch" checked={props.route.is_public} disabled={busy()} onChange={() => void togglePublic()} />
          <span>{t("share.public")}</span>
        </label>
        <p class="muted small">{props.route.is_public ? t("share.public_on") : t("share.public_off")}</p>
        <Show when={props.route.is_public}>
          <div class="copy-row">
            <input readonly value={link()} aria-label={t("share.link")} onFocus={(e) => e.currentTarget.select()} />
            <button type="button" class="btn" onClick={() => void copy()}>{t("share.copy")}</button>
          </div>
        </Show>
      </div>
      <form class="share-section form" onSubmit={invite}>
        <h3>{t("share.with_person")}</h3>
        <p class="muted small">{t("share.with_person_hint")}</p>
        <div class="copy-row">
          <input name="email" type="email" required placeholder={t("auth.email")} aria-label={t("auth.email")} />
          <button type="submit" class="btn" disabled={busy()}>{t("share.invite")}</button>
        </div>
      </form>
      <p class="form-error" role="alert">{error() ?? ""}</p>
    </Dialog>
  );
}
