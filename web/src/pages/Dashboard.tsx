/** Home: totals, devices with their state, and the latest drives across all devices. */
import { A } from "@solidjs/router";
import { createResource, For, type JSX, onMount, Show } from "solid-js";
import { getStats } from "../api/devices";
import { listRoutes, listSharedWithMe } from "../api/routes";
import type { Device, DrivingTotals, Route } from "../api/types";
import { DeviceCard } from "../components/DeviceCard";
import { RouteCard } from "../components/RouteCard";
import { Empty, ErrorNote, Loading } from "../components/States";
import { t } from "../i18n";
import { deviceName, devices, devicesError, refreshDevices } from "../state/devices";
import { user } from "../state/session";
import { distance, duration, number } from "../util/format";

const RECENT = 6;

async function recentRoutes(list: Device[]): Promise<{ route: Route; device: Device }[]> {
  const pages = await Promise.all(
    list.map(async (device) => {
      const routes = await listRoutes(device.dongle_id, { limit: RECENT }).catch(() => [] as Route[]);
      return routes.map((route) => ({ route, device }));
    }),
  );
  return pages
    .flat()
    .sort((a, b) => b.route.create_time - a.route.create_time)
    .slice(0, RECENT);
}

async function totals(list: Device[]): Promise<{ all: DrivingTotals; week: DrivingTotals }> {
  const zero = () => ({ distance: 0, minutes: 0, routes: 0 });
  const sum = { all: zero(), week: zero() };
  for (const s of await Promise.all(list.map((d) => getStats(d.dongle_id).catch(() => null)))) {
    if (!s) continue;
    for (const k of ["all", "week"] as const) {
      sum[k].distance += s[k].distance;
      sum[k].minutes += s[k].minutes;
      sum[k].routes += s[k].routes;
    }
  }
  return sum;
}

function Totals(props: { value: { all: DrivingTotals; week: DrivingTotals } }): JSX.Element {
  return (
    <section class="totals" aria-label={t("dashboard.totals")}>
      <div class="stat card">
        <span class="stat-value">{distance(props.value.all.distance)}</span>
        <span class="stat-label">{t("dashboard.total_distance")}</span>
      </div>
      <div class="stat card">
        <span class="stat-value">{duration(props.value.all.minutes * 60_000)}</span>
        <span class="stat-label">{t("dashboard.total_time")}</span>
      </div>
      <div class="stat card">
        <span class="stat-value">{number(props.value.all.routes)}</span>
        <span class="stat-label">{t("dashboard.total_drives")}</span>
      </div>
      <div class="stat card">
        <span class="stat-value">{distance(props.value.week.distance)}</span>
        <span class="stat-label">{t("dashboard.this_week")}</span>
      </div>
    </section>
  );
}

/** Drives shared with me one by one: shown whether or not I have devices of my own. */
function SharedWithMe(): JSX.Element {
  const [shared] = createResource(() => listSharedWithMe().catch(() => [] as Route[]));
  return (
    <Show when={(shared() ?? []).length > 0}>
      <section aria-labelledby="shared-h">
        <h2 id="shared-h">{t("dashboard.shared_with_me")}</h2>
        <div class="grid grid-routes">
          <For each={shared()}>{(route) => <RouteCard route={route} />}</For>
        </div>
      </section>
    </Show>
  );
}

export default function Dashboard(): JSX.Element {
  onMount(() => void refreshDevices());
  const [recent] = createResource(devices, recentRoutes);
  const [sums] = createResource(devices, totals);
  return (
    <div class="page">
      <header class="page-head">
        <h1>{user()?.name ? t("dashboard.hello", { name: user()!.name! }) : t("nav.dashboard")}</h1>
      </header>
      <Show
        when={devices()}
        fallback={devicesError() ? <ErrorNote error={devicesError()} retry={refreshDevices} /> : <Loading />}
      >
        {(list) => (
          <Show
            when={list().length > 0}
            fallback={
              <Empty icon="car" title={t("dashboard.no_devices")}>
                <p class="muted">{t("dashboard.no_devices_hint")}</p>
                <A class="btn btn-primary" href="/pair">
                  {t("pair.title")}
                </A>
              </Empty>
            }
          >
            <Show when={sums()}>{(s) => <Totals value={s()} />}</Show>
            <section aria-labelledby="devices-h">
              <h2 id="devices-h">{t("dashboard.devices")}</h2>
              <div class="grid grid-devices">
                <For each={list()}>{(d) => <DeviceCard device={d} />}</For>
              </div>
            </section>
            <section aria-labelledby="recent-h">
              <div class="section-head">
                <h2 id="recent-h">{t("dashboard.recent")}</h2>
                <A href="/timeline" class="link">
                  {t("dashboard.all_drives")}
                </A>
              </div>
              <Show when={!recent.loading} fallback={<Loading />}>
                <Show
                  when={(recent() ?? []).length > 0}
                  fallback={
                    <Empty icon="timeline" title={t("timeline.empty")}>
                      <p class="muted">{t("timeline.empty_hint")}</p>
                    </Empty>
                  }
                >
                  <div class="grid grid-routes">
                    <For each={recent()}>
                      {(x) => (
                        <RouteCard route={x.route} deviceLabel={list().length > 1 ? deviceName(x.device) : undefined} />
                      )}
                    </For>
                  </div>
                </Show>
              </Show>
            </section>
          </Show>
        )}
      </Show>
      <SharedWithMe />
    </div>
  );
}
