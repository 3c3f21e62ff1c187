/**
 * Settings → API keys: create a key (shown once, with a copy button), list the active ones, revoke. Keys are for
 * scripts: `Authorization: Bearer <key>`; a read key may only GET.
 */
import { createResource, createSignal, For, type JSX, Show } from "solid-js";
import { type ApiKeyScope, createApiKey, listApiKeys, revokeApiKey } from "../api/account";
import { ErrorNote, errorText, Loading } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";
import { dateTime } from "../util/format";

export function ApiKeys(): JSX.Element {
  const [keys, { refetch }] = createResource(listApiKeys);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  /** The key just created: kept only in this component's memory, gone once dismissed. */
  const [fresh, setFresh] = createSignal<{ name: string; key: string } | null>(null);

  const run = async (fn: () => Promise<void>) => {
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
    const name = String(data.get("name") ?? "").trim();
    const scope: ApiKeyScope = data.get("scope") === "write" ? "write" : "read";
    void run(async () => {
      const created = await createApiKey(name, scope);
      setFresh({ name: created.name, key: created.key });
      form.reset();
    });
  };

  const copy = async (key: string) => {
    try {
      await navigator.clipboard.writeText(key);
      toast(t("apikeys.copied"));
    } catch {
      toast(t("share.copy_failed"), "error");
    }
  };

  const revoke = (id: string, name: string) =>
    run(async () => {
      await revokeApiKey(id);
      toast(t("apikeys.revoked", { name }));
    });

  return (
    <section class="card api-keys" aria-labelledby="apikeys-h">
      <h2 id="apikeys-h">{t("apikeys.title")}</h2>
      <p class="muted small">{t("apikeys.hint")}</p>
      <Show when={fresh()}>
        {(f) => (
          <div class="api-key-fresh" role="status">
            <p class="small">{t("apikeys.once", { name: f().name })}</p>
            <div class="copy-row">
              <input
                readonly
                value={f().key}
                aria-label={t("apikeys.new_key")}
                onFocus={(e) => e.currentTarget.select()}
              />
              <button type="button" class="btn" onClick={() => void copy(f().key)}>
                {t("share.copy")}
              </button>
            </div>
            <button type="button" class="btn btn-small" onClick={() => setFresh(null)}>
              {t("apikeys.done")}
            </button>
          </div>
        )}
      </Show>
      <Show when={!keys.error} fallback={<ErrorNote error={keys.error} retry={refetch} />}>
        <Show when={keys()} fallback={<Loading />}>
          {(list) => (
            <Show when={list().length} fallback={<p class="muted small">{t("apikeys.none")}</p>}>
              <ul class="user-list api-key-list" aria-label={t("apikeys.list")}>
                <For each={list()}>
                  {(k) => (
                    <li>
                      <span class="user-email">
                        <strong>{k.name}</strong> <code>{k.prefix}…</code>
                        <br />
                        <span class="muted small">
                          {t("apikeys.created", { date: dateTime(new Date(k.created_at * 1000)) })}
                          {" · "}
                          {k.last_used_at
                            ? t("apikeys.last_used", { date: dateTime(new Date(k.last_used_at * 1000)) })
                            : t("apikeys.never_used")}
                        </span>
                      </span>
                      <span class="badge">{t(k.scope === "write" ? "apikeys.scope.write" : "apikeys.scope.read")}</span>
                      <button
                        type="button"
                        class="btn btn-small btn-danger-outline"
                        disabled={busy()}
                        aria-label={t("apikeys.revoke_named", { name: k.name })}
                        onClick={() => void revoke(k.id, k.name)}
                      >
                        {t("apikeys.revoke")}
                      </button>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          )}
        </Show>
      </Show>
      <form class="form user-add" onSubmit={create}>
        <input name="name" required maxlength={100} placeholder={t("apikeys.name")} aria-label={t("apikeys.name")} />
        <select name="scope" aria-label={t("apikeys.scope")}>
          <option value="read">{t("apikeys.scope.read")}</option>
          <option value="write">{t("apikeys.scope.write")}</option>
        </select>
        <button type="submit" class="btn" disabled={busy()}>
          {t("apikeys.create")}
        </button>
      </form>
      <Show when={error()}>
        <p class="form-error small" role="alert">
          {error()}
        </p>
      </Show>
    </section>
  );
}
