/** Settings → change password. The server signs out every other session and hands this one new tokens. */
import { createSignal, type JSX } from "solid-js";
import { changePassword } from "../api/auth";
import { ApiError } from "../api/client";
import { errorText } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";
import { user } from "../state/session";

function message(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === "invalid_credentials") return t("settings.password.error.current");
    if (err.code === "weak_password") return t("auth.password_hint");
    if (err.status === 429) return t("auth.error.rate_limited");
  }
  return errorText(err);
}

export function PasswordForm(): JSX.Element {
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const next = String(f.get("new_password") ?? "");
    setError(null);
    if (next !== String(f.get("new_password2") ?? "")) return setError(t("auth.error.mismatch"));
    setBusy(true);
    try {
      await changePassword(String(f.get("current_password") ?? ""), next);
      form.reset();
      toast(t("settings.password.changed"));
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="pw-h">
      <h2 id="pw-h">{t("settings.password.title")}</h2>
      <form class="form" onSubmit={submit} aria-describedby="pw-error">
        {/* The account's email, hidden: lets password managers file the new password under the right account. */}
        <input type="email" name="username" autocomplete="username" value={user()?.email ?? ""} readonly hidden />
        <label class="field">
          <span>{t("settings.password.current")}</span>
          <input name="current_password" type="password" autocomplete="current-password" required />
        </label>
        <label class="field">
          <span>{t("settings.password.new")}</span>
          <input
            name="new_password"
            type="password"
            autocomplete="new-password"
            required
            minlength={12}
            aria-describedby="new-pw-hint"
          />
        </label>
        <p id="new-pw-hint" class="muted small field-hint">
          {t("auth.password_hint")}
        </p>
        <label class="field">
          <span>{t("settings.password.repeat")}</span>
          <input name="new_password2" type="password" autocomplete="new-password" required />
        </label>
        <p class="muted small">{t("settings.password.others")}</p>
        <p id="pw-error" class="form-error" role="alert">
          {error() ?? ""}
        </p>
        <button class="btn btn-primary" type="submit" disabled={busy()}>
          {busy() ? t("common.working") : t("settings.password.submit")}
        </button>
      </form>
    </section>
  );
}
