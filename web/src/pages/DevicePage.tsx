/** One device: live status, location, snapshot, uploads, recent drives, people, unpair. */
import { A, useParams } from "@solidjs/router";
import { createResource, For, type JSX, Show } from "solid-js";
import { getDevice, isOnline } from "../api/devices";
import { listRoutes } from "../api/routes";
import type { Device } from "../api/types";
import { RouteCard } from "../components/RouteCard";
import { Empty, ErrorNote, Loading } from "../components/States";
import { AliasEditor } from "../device/AliasEditor";
import { DeviceLocation } from "../device/DeviceLocation";
import { KeyRequestsPanel } from "../device/KeyRequestsPanel";
import { LivePanel } from "../device/LivePanel";
import { createLiveState } from "../device/live-state";
import { SnapshotPanel } from "../device/SnapshotPanel";
import { UnpairPanel } from "../device/UnpairPanel";
import { UploadQueue } from "../device/UploadQueue";
import { UsersPanel } from "../device/UsersPanel";
import { t } from "../i18n";
import { deviceName, devices, patchDevice } from "../state/devices";
import { user } from "../state/session";

function DeviceView(props: { device: Device; onChange: (d: Device) => void }): JSX.Element {
  const live = createLiveState(() => props.device.dongle_id);
  const online = () => live().online ?? isOnline(props.device);
  const [routes] = createResource(
    () => props.device.dongle_id,
    (d) => listRoutes(d, { limit: 3 }),
  );
  return (
    <div class="page device-page">
      <header class="page-head">
        <AliasEditor device={props.device} canEdit={props.device.is_owner} onSaved={props.onChange} />
      </header>
      <div class="device-grid">
        <Show when={props.device.is_owner || user()?.role === "admin"}>
          <KeyRequestsPanel dongleId={props.device.dongle_id} />
        </Show>
        <LivePanel device={props.device} live={live()} />
        <DeviceLocation dongleId={props.device.dongle_id} live={live().gps} />
        <SnapshotPanel dongleId={props.device.dongle_id} disabled={!online()} />
        <UploadQueue dongleId={props.device.dongle_id} canCancel={props.device.is_owner} />
        <section class="card recent" aria-labelledby="dr-h">
          <div class="section-head">
            <h2 id="dr-h">{t("dashboard.recent")}</h2>
            <A class="link" href={`/timeline/${props.device.dongle_id}`}>
              {t("dashboard.all_drives")}
            </A>
          </div>
          <Show when={routes()} fallback={routes.error ? <ErrorNote error={routes.error} /> : <Loading />}>
            <Show when={routes()!.length > 0} fallback={<Empty title={t("timeline.empty")} />}>
              <div class="stack">
                <For each={routes()}>{(r) => <RouteCard route={r} />}</For>
              </div>
            </Show>
          </Show>
        </section>
        <UsersPanel dongleId={props.device.dongle_id} isOwner={props.device.is_owner} />
        <Show when={props.device.is_owner}>
          <UnpairPanel dongleId={props.device.dongle_id} name={deviceName(props.device)} />
        </Show>
      </div>
    </div>
  );
}

function DeviceLoader(props: { dongleId: string }): JSX.Element {
  // Shown at once from the shared list when we have it; the fresh copy replaces it.
  const known = devices()?.find((d) => d.dongle_id === props.dongleId);
  const [device, { refetch, mutate }] = createResource(() => props.dongleId, getDevice, { initialValue: known });
  const changed = (d: Device) => {
    mutate(d);
    patchDevice(d);
  };
  return (
    <Show
      when={device()}
      fallback={
        device.error ? (
          <div class="page">
            <ErrorNote error={device.error} retry={refetch} />
          </div>
        ) : (
          <Loading />
        )
      }
    >
      {(d) => <DeviceView device={d()} onChange={changed} />}
    </Show>
  );
}

export default function DevicePage(): JSX.Element {
  const params = useParams();
  // Keyed: another device gets a fresh view (its own live socket and polls).
  return (
    <Show when={params.dongle} keyed>
      {(d) => <DeviceLoader dongleId={d} />}
    </Show>
  );
}
