/**
 * The sign-in / sign-up card (one form, two modes). Signing up may carry an invite token (`/signup?invite=…`, or a
 * `/claim/…` link for the server's first admin): the card checks it first and says what it grants.
 */
import { A } from "@solidjs/router";
import { createResource, createSignal, type JSX, Show } from "solid-js";
import { signIn, signUp } from "../api/auth";
import { ApiError } from "../api/client";
import { checkInvite } from "../api/invites";
import { errorText, Loading } from "../components/States";
import { t } from "../i18n";
import { sessionStarted } from "../state/session";

const INVITE_ERRORS = {
  invite_invalid: "auth.error.invite_invalid",
  invite_used: "auth.error.invite_used",
  invite_expired: "auth.error.invite_expired",
  invite_revoked: "auth.error.invite_revoked",
  invite_email_mismatch: "auth.error.invite_email_mismatch",
} as const;

function message(err: unknown, mode: "signin" | "signup"): string {
  if (err instanceof ApiError) {
    if (err.code in INVITE_ERRORS) return t(INVITE_ERRORS[err.code as keyof typeof INVITE_ERRORS]);
    if (err.status === 401) return t("auth.error.credentials");
    if (err.status === 429) return t("auth.error.rate_limited");
    if (err.status === 409) return t("auth.error.exists");
    if (err.code === "weak_password") return t("auth.password_hint");
    if (err.status === 403 && mode === "signup") return t("auth.error.registration_closed");
  }
  return errorText(err);
}

/** Where to go after signing in: the protected page that sent us here (same-origin paths only). */
export function nextPath(next: unknown): string {
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function AuthForm(props: { mode: "signin" | "signup"; invite?: string; claim?: boolean }): JSX.Element {
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const signup = () => props.mode === "signup";
  const [invite] = createResource(() => (signup() ? props.invite : undefined), checkInvite);
  // Reading an errored resource throws: the refusal is shown from invite.error instead.
  const info = () => (invite.state === "ready" ? invite() : undefined);
  const title = () =>
    props.claim ? t("auth.claim.title") : signup() ? t("auth.signup.title") : t("auth.signin.title");

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const email = String(f.get("email") ?? "").trim();
    const password = String(f.get("password") ?? "");
    setError(null);
    if (signup() && password !== String(f.get("password2") ?? "")) return setError(t("auth.error.mismatch"));
    setBusy(true);
    try {
      const user = signup()
        ? await signUp(email, password, String(f.get("name") ?? "").trim(), props.invite)
        : await signIn(email, password);
      // The page swaps this form for a redirect to nextPath() as soon as the session exists.
      sessionStarted(user);
    } catch (err) {
      setError(message(err, props.mode));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="auth-card card">
      <div class="auth-brand">
        <img src="/icons/icon.svg" alt="" width="48" height="48" />
        <h1>{title()}</h1>
        <p class="muted">{props.claim ? t("auth.claim.hint") : t("auth.tagline")}</p>
      </div>
      <Show when={invite.error}>
        <p class="form-error" role="alert">
          {message(invite.error, "signup")}
        </p>
      </Show>
      <Show when={!props.claim && info()}>
        {(i) => (
          <p class="muted small invite-role">{t("auth.invite.role", { role: t(`settings.role.${i().role}`) })}</p>
        )}
      </Show>
      {/* The form appears once the invite is checked, so a bound email is filled in before anyone types. */}
      <Show when={!invite.loading} fallback={<Loading />}>
        <Show when={!invite.error}>
          <form class="form" onSubmit={submit} aria-describedby="auth-error">
            <Show when={signup()}>
              <label class="field">
                <span>{t("auth.name")}</span>
                <input name="name" autocomplete="name" maxlength="100" />
              </label>
            </Show>
            <label class="field">
              <span>{t("auth.email")}</span>
              <input
                name="email"
                type="email"
                autocomplete="username"
                required
                value={info()?.email ?? ""}
                readOnly={Boolean(info()?.email)}
              />
            </label>
            <label class="field">
              <span>{t("auth.password")}</span>
              <input
                name="password"
                type="password"
                autocomplete={signup() ? "new-password" : "current-password"}
                required
                minlength={signup() ? 12 : undefined}
                aria-describedby={signup() ? "pw-hint" : undefined}
              />
            </label>
            <Show when={signup()}>
              <p id="pw-hint" class="muted small field-hint">
                {t("auth.password_hint")}
              </p>
            </Show>
            <Show when={signup()}>
              <label class="field">
                <span>{t("auth.password_repeat")}</span>
                <input name="password2" type="password" autocomplete="new-password" required />
              </label>
            </Show>
            <p id="auth-error" class="form-error" role="alert">
              {error() ?? ""}
            </p>
            <button class="btn btn-primary btn-block" type="submit" disabled={busy()}>
              {busy()
                ? t("common.working")
                : props.claim
                  ? t("auth.claim.submit")
                  : signup()
                    ? t("auth.signup.submit")
                    : t("auth.signin.submit")}
            </button>
          </form>
        </Show>
      </Show>
      <p class="auth-switch">
        <Show
          when={signup()}
          fallback={
            <>
              {t("auth.no_account")} <A href={`/signup${location.search}`}>{t("auth.signup.link")}</A>
            </>
          }
        >
          {t("auth.have_account")} <A href={`/signin${location.search}`}>{t("auth.signin.link")}</A>
        </Show>
      </p>
    </div>
  );
}
