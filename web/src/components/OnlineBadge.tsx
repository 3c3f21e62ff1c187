/** "Online" / "Offline · seen 5 min ago" from last_athena_ping (online = pinged within 120 s). */
import { type JSX, Show } from "solid-js";
import { isOnline } from "../api/devices";
import { t } from "../i18n";
import { now } from "../state/clock";
import { ago } from "../util/format";

export function OnlineBadge(props: { lastPing: number; live?: boolean | null }): JSX.Element {
  const online = () => props.live ?? isOnline({ last_athena_ping: props.lastPing }, now() / 1000);
  return (
    <span class={`badge ${online() ? "badge-online" : "badge-offline"}`}>
      <span class="dot" aria-hidden="true" />
      {online() ? t("device.online") : t("device.offline")}
      <Show when={!online() && props.lastPing > 0}>
        <span class="badge-sub"> · {t("device.seen", { when: ago(new Date(props.lastPing * 1000), now()) })}</span>
      </Show>
    </span>
  );
}
