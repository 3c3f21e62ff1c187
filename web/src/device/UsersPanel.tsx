/** Who can see this device's drives; the owner can add people by email and remove them. */
import { createResource, createSignal, For, type JSX, Show } from "solid-js";
import { addUser, listUsers, removeUser } from "../api/devices";
import { ErrorNote, errorText, Loading } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";

export function UsersPanel(props: { dongleId: string; isOwner: boolean }): JSX.Element {
  const [users, { refetch }] = createResource(() => props.dongleId, listUsers);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const act = async (fn: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      toast(done);
      await refetch();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const add = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const email = String(data.get("email") ?? "").trim();
    const permission = data.get("permission") === "write" ? "write" : "read";
    void act(() => addUser(props.dongleId, email, permission), t("share.invited", { email })).then(() => form.reset());
  };
  return (
    <section class="card users" aria-labelledby="users-h">
      <h2 id="users-h">{t("users.title")}</h2>
      <Show when={!users.error} fallback={<ErrorNote error={users.error} retry={refetch} />}>
        <Show when={users()} fallback={<Loading />}>
          <ul class="user-list">
            <For each={users()}>
              {(u) => (
                <li>
                  <span class="user-email">{u.email}</span>
                  <span class="badge">{t(`users.permission.${u.permission}`)}</span>
                  <Show when={props.isOwner && u.permission !== "owner"}>
                    <button
                      type="button"
                      class="btn-icon"
                      disabled={busy()}
                      aria-label={t("users.remove", { email: u.email })}
                      onClick={() =>
                        void act(() => removeUser(props.dongleId, u.email), t("users.removed", { email: u.email }))
                      }
                    >
                      ×
                    </button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
      <Show when={props.isOwner}>
        <form class="form user-add" onSubmit={add}>
          <input name="email" type="email" required placeholder={t("auth.email")} aria-label={t("users.add_email")} />
          <select name="permission" aria-label={t("users.permission_label")}>
            <option value="read">{t("users.permission.read_access")}</option>
            <option value="write">{t("users.permission.write_access")}</option>
          </select>
          <button type="submit" class="btn" disabled={busy()}>
            {t("users.add")}
          </button>
        </form>
      </Show>
      <Show when={error()}>
        <p class="form-error small" role="alert">
          {error()}
        </p>
      </Show>
    </section>
  );
}
