/** A device on the dashboard: name, online state, last seen, openpilot version. */
import { A } from "@solidjs/router";
import type { JSX } from "solid-js";
import type { Device } from "../api/types";
import { t } from "../i18n";
import { deviceName } from "../state/devices";
import { Icon } from "./Icon";
import { OnlineBadge } from "./OnlineBadge";

export function DeviceCard(props: { device: Device }): JSX.Element {
  return (
    <A class="card device-card" href={`/devices/${props.device.dongle_id}`}>
      <div class="device-card-icon">
        <Icon name="car" size={28} />
      </div>
      <div class="device-card-body">
        <h3>{deviceName(props.device)}</h3>
        <OnlineBadge lastPing={props.device.last_athena_ping} />
        <p class="muted small">
          {props.device.openpilot_version
            ? t("device.version", { version: props.device.openpilot_version })
            : t("device.version_unknown")}
          {props.device.is_owner ? "" : ` · ${t("device.shared")}`}
        </p>
      </div>
    </A>
  );
}
