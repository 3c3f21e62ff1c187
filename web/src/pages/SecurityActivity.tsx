/** Settings → Security activity: the account's own audit events (sign-ins, password, keys, pairing, sharing…). */
import { createSignal, For, type JSX, onMount, Show } from "solid-js";
import { type AuditEvent, auditPage } from "../api/account";
import { errorText, Loading } from "../components/States";
import { t } from "../i18n";
import type { MessageKey } from "../i18n/en";
import { dateTime } from "../util/format";

/** Actions with a sentence of their own; anything newer shows its code. */
const LABELS: Record<string, MessageKey> = {
  "login.success": "activity.login.success",
  "login.failure": "activity.login.failure",
  "login.rate_limited": "activity.login.rate_limited",
  "account.created": "activity.account.created",
  "account.password_changed": "activity.account.password_changed",
  "account.role_changed": "activity.account.role_changed",
  "api_key.created": "activity.api_key.created",
  "api_key.revoked": "activity.api_key.revoked",
  "device.paired": "activity.device.paired",
  "device.unpaired": "activity.device.unpaired",
  "device.adopted": "activity.device.adopted",
  "device.adoption_rejected": "activity.device.adoption_rejected",
  "share.granted": "activity.share.granted",
  "share.revoked": "activity.share.revoked",
  "route.deleted": "activity.route.deleted",
  "admin.action": "activity.admin.action",
};

function describe(e: AuditEvent): string {
  const key = LABELS[e.action];
  const name = typeof e.detail?.name === "string" ? e.detail.name : "";
  return key ? t(key, { name, target: e.target?.id ?? "" }) : e.action;
}

export function SecurityActivity(): JSX.Element {
  const [events, setEvents] = createSignal<AuditEvent[] | null>(null);
  const [cursor, setCursor] = createSignal<number | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const load = async (from: number | null) => {
    setBusy(true);
    setError(null);
    try {
      const page = await auditPage(from);
      setEvents([...(from ? (events() ?? []) : []), ...page.events]);
      setCursor(page.next_cursor);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  onMount(() => void load(null));

  return (
    <section class="card security-activity" aria-labelledby="activity-h">
      <h2 id="activity-h">{t("activity.title")}</h2>
      <Show when={events()} fallback={<Show when={!error()}>{<Loading />}</Show>}>
        {(list) => (
          <Show when={list().length} fallback={<p class="muted small">{t("activity.none")}</p>}>
            <ul class="user-list activity-list">
              <For each={list()}>
                {(e) => (
                  <li>
                    <span class="user-email">
                      {describe(e)}
                      <br />
                      <span class="muted small">
                        {dateTime(new Date(e.at * 1000))}
                        {e.ip ? ` · ${e.ip}` : ""}
                        {e.actor.kind === "api_key" ? ` · ${t("activity.by_api_key")}` : ""}
                      </span>
                    </span>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Show>
      <Show when={cursor()}>
        <button type="button" class="btn btn-small" disabled={busy()} onClick={() => void load(cursor())}>
          {t("common.load_more")}
        </button>
      </Show>
      <Show when={error()}>
        <p class="form-error small" role="alert">
          {error()}
        </p>
      </Show>
    </section>
  );
}
