/**
 * Settings → Invites (admins): registration is closed on a deployed server, so people join with a one-time link.
 * The link is shown once, right after it is made (the server keeps only its hash); the list shows each invite's state.
 */
import { createResource, createSignal, For, type JSX, Show } from "solid-js";
import { createInvite, type Invite, listInvites, type Role, revokeInvite } from "../api/invites";
import { ErrorNote, errorText, Loading } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";
import { dateTime } from "../util/format";

const VALIDITY_HOURS = [24, 72, 7 * 24, 30 * 24] as const;

function stateText(invite: Invite): string {
  if (invite.state === "pending")
    return t("invites.state.pending", { date: dateTime(new Date(invite.expires_at * 1000)) });
  return t(`invites.state.${invite.state}`);
}

export function InvitesPanel(): JSX.Element {
  const [invites, { refetch }] = createResource(listInvites);
  const [link, setLink] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      await refetch();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const create = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const email = String(data.get("email") ?? "").trim();
    void act(async () => {
      const made = await createInvite({
        role: String(data.get("role")) as Role,
        email: email || null,
        expires_in_hours: Number(data.get("hours")),
      });
      setLink(made.url);
      form.reset();
    });
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link()!);
      toast(t("invites.copied"));
    } catch {
      // No clipboard (insecure origin, permission): the link stays selectable in its field.
      document.querySelector<HTMLInputElement>("#invite-link")?.select();
    }
  };

  return (
    <section class="card invites" aria-labelledby="invites-h">
      <h2 id="invites-h">{t("invites.title")}</h2>
      <p class="muted small">{t("invites.hint")}</p>
      <form class="form invite-create" onSubmit={create}>
        <label class="field">
          <span>{t("invites.role")}</span>
          <select name="role">
            <option value="user">{t("settings.role.user")}</option>
            <option value="viewer">{t("settings.role.viewer")}</option>
            <option value="admin">{t("settings.role.admin")}</option>
          </select>
        </label>
        <label class="field">
          <span>{t("invites.email")}</span>
          <input name="email" type="email" autocomplete="off" />
        </label>
        <label class="field">
          <span>{t("invites.valid_for")}</span>
          <select name="hours">
            <For each={VALIDITY_HOURS}>
              {(h) => (
                <option value={h} selected={h === 72}>
                  {t("invites.days", { count: h / 24 })}
                </option>
              )}
            </For>
          </select>
        </label>
        <button type="submit" class="btn" disabled={busy()}>
          {t("invites.create")}
        </button>
      </form>
      <Show when={link()}>
        <div class="invite-link">
          <label class="field">
            <span>{t("invites.link")}</span>
            <input id="invite-link" readOnly value={link()!} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <p class="muted small">{t("invites.link_once")}</p>
          <button type="button" class="btn btn-small" onClick={() => void copy()}>
            {t("invites.copy")}
          </button>
        </div>
      </Show>
      <Show when={error()}>
        <p class="form-error small" role="alert">
          {error()}
        </p>
      </Show>
      <Show when={!invites.error} fallback={<ErrorNote error={invites.error} retry={refetch} />}>
        <Show when={invites()} fallback={<Loading />}>
          <Show when={invites()!.length} fallback={<p class="muted small">{t("invites.empty")}</p>}>
            <ul class="user-list invite-list">
              <For each={invites()}>
                {(invite) => (
                  <li data-state={invite.state}>
                    <span class="user-email">{invite.email ?? t("invites.anyone")}</span>
                    <span class="badge">{t(`settings.role.${invite.role}`)}</span>
                    <span class="muted small">{stateText(invite)}</span>
                    <Show when={invite.state === "pending"}>
                      <button
                        type="button"
                        class="btn btn-small"
                        disabled={busy()}
                        aria-label={t("invites.revoke_label", { who: invite.email ?? t("invites.anyone") })}
                        onClick={() =>
                          void act(async () => {
                            await revokeInvite(invite.id);
                            toast(t("invites.revoked"));
                          })
                        }
                      >
                        {t("invites.revoke")}
                      </button>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </Show>
      </Show>
    </section>
  );
}
