/**
 * Sharing a drive: make it public (anyone with the link can watch it) and copy the link, or let given accounts
 * watch this drive alone (view only, nothing else of the device). Sharing every drive of a device lives on the
 * device page (UsersPanel), which the dialog points to.
 */
import { A } from "@solidjs/router";
import { createResource, createSignal, For, type JSX, Show } from "solid-js";
import { ApiError } from "../api/client";
import { listRouteUsers, routePath, setPublic, shareRoute, unshareRoute } from "../api/routes";
import type { Route } from "../api/types";
import { Dialog } from "../components/Dialog";
import { ErrorNote, errorText, Loading } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";

function shareError(err: unknown): string {
  if (err instanceof ApiError && err.code === "user_not_found") return t("share.error.user_not_found");
  if (err instanceof ApiError && err.code === "already_owner") return t("share.error.owner");
  return errorText(err);
}

export function ShareDialog(props: {
  open: boolean;
  route: Route;
  onClose: () => void;
  onChange: (r: Route) => void;
}): JSX.Element {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  // Loaded when the dialog opens, not with the page: most visits never share.
  const [people, { refetch }] = createResource(() => (props.open ? props.route.fullname : false), listRouteUsers);
  const link = () => `${location.origin}${routePath(props.route.fullname)}`;

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(shareError(err));
    } finally {
      setBusy(false);
    }
  };

  const togglePublic = () =>
    run(async () => props.onChange(await setPublic(props.route.fullname, !props.route.is_public)));

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link());
      toast(t("share.copied"));
    } catch {
      toast(t("share.copy_failed"), "error");
    }
  };

  const invite = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const email = String(new FormData(form).get("email") ?? "").trim();
    void run(async () => {
      await shareRoute(props.route.fullname, email);
      toast(t("share.drive_invited", { email }));
      form.reset();
      await refetch();
    });
  };

  const remove = (email: string) =>
    run(async () => {
      await unshareRoute(props.route.fullname, email);
      toast(t("share.removed", { email }));
      await refetch();
    });

  return (
    <Dialog open={props.open} title={t("share.title")} onClose={props.onClose}>
      <div class="share-section">
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            checked={props.route.is_public}
            disabled={busy()}
            onChange={() => void togglePublic()}
          />
          <span>{t("share.public")}</span>
        </label>
        <p class="muted small">{props.route.is_public ? t("share.public_on") : t("share.public_off")}</p>
        <Show when={props.route.is_public}>
          <div class="copy-row">
            <input readonly value={link()} aria-label={t("share.link")} onFocus={(e) => e.currentTarget.select()} />
            <button type="button" class="btn" onClick={() => void copy()}>
              {t("share.copy")}
            </button>
          </div>
        </Show>
      </div>
      <div class="share-section">
        <h3>{t("share.with_person")}</h3>
        <p class="muted small">
          {t("share.with_person_hint")}{" "}
          <A href={`/devices/${props.route.dongle_id}`} onClick={() => props.onClose()}>
            {t("share.device_page")}
          </A>
        </p>
        <Show when={!people.error} fallback={<ErrorNote error={people.error} retry={refetch} />}>
          <Show when={people()} fallback={<Loading />}>
            {(list) => (
              <Show when={list().length > 0} fallback={<p class="muted small">{t("share.nobody")}</p>}>
                <ul class="user-list" aria-label={t("share.people")}>
                  <For each={list()}>
                    {(u) => (
                      <li>
                        <span class="user-email">{u.name ? `${u.name} · ${u.email}` : u.email}</span>
                        <button
                          type="button"
                          class="btn-icon"
                          disabled={busy()}
                          aria-label={t("share.remove", { email: u.email })}
                          onClick={() => void remove(u.email)}
                        >
                          ×
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
                <div>
                  <button type="button" class="btn" onClick={() => void copy()}>
                    {t("share.copy_link")}
                  </button>
                </div>
              </Show>
            )}
          </Show>
        </Show>
        <form class="form" onSubmit={invite}>
          <div class="copy-row">
            <input name="email" type="email" required placeholder={t("auth.email")} aria-label={t("auth.email")} />
            <button type="submit" class="btn" disabled={busy()}>
              {t("share.invite")}
            </button>
          </div>
        </form>
      </div>
      <p class="form-error" role="alert">
        {error() ?? ""}
      </p>
    </Dialog>
  );
}
