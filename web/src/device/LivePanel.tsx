/** Status and live readings (battery, temperature, storage) from the live view socket. */
import { type JSX, Show } from "solid-js";
import type { Device } from "../api/types";
import { OnlineBadge } from "../components/OnlineBadge";
import { t } from "../i18n";
import { now } from "../state/clock";
import { ago, number, percent } from "../util/format";
import type { LiveState } from "./live-state";

export function LivePanel(props: { device: Device; live: LiveState }): JSX.Element {
  const reading = (v: number | undefined, fmt: (v: number) => string) => (v === undefined ? "–" : fmt(v));
  return (
    <section class="card live-panel" aria-labelledby="live-h">
      <div class="section-head">
        <h2 id="live-h">{t("device.status")}</h2>
        <OnlineBadge lastPing={props.device.last_athena_ping} live={props.live.online} />
      </div>
      <dl class="readings">
        <div>
          <dt>{t("device.battery")}</dt>
          <dd>{reading(props.live.voltage, (v) => `${number(v, 1)} V`)}</dd>
        </div>
        <div>
          <dt>{t("device.temperature")}</dt>
          <dd>{reading(props.live.cpuTemp, (v) => `${number(v)} °C`)}</dd>
        </div>
        <div>
          <dt>{t("device.storage")}</dt>
          <dd>{reading(props.live.freeSpacePercent, (v) => t("device.free", { value: percent(v / 100) }))}</dd>
        </div>
        <div>
          <dt>{t("device.last_ping")}</dt>
          <dd>
            {props.live.online
              ? t("device.connected_now")
              : props.device.last_athena_ping
                ? ago(new Date(props.device.last_athena_ping * 1000), now())
                : t("device.never")}
          </dd>
        </div>
      </dl>
      <p class="muted small" aria-live="polite">
        <Show when={props.live.socket} fallback={t("device.live_connecting")}>
          {props.live.updatedAt
            ? t("device.live_updated", { when: ago(new Date(props.live.updatedAt), now()) })
            : props.live.online === false
              ? t("device.live_offline")
              : t("device.live_waiting")}
        </Show>
      </p>
      <p class="muted small mono">
        {props.device.dongle_id}
        {props.device.openpilot_version ? ` · openpilot ${props.device.openpilot_version}` : ""}
      </p>
    </section>
  );
}
