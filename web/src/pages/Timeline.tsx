/** Every drive of one device, newest first, grouped by day with the day's totals; pages in as you scroll. */
import { A, Navigate, useParams } from "@solidjs/router";
import { createMemo, For, type JSX, onMount, Show } from "solid-js";
import { nextRoutes, PAGE_SIZE } from "../api/routes";
import type { Route } from "../api/types";
import { createPager, LoadMore } from "../components/InfiniteList";
import { RouteCard, routeStats } from "../components/RouteCard";
import { Empty, ErrorNote, Loading } from "../components/States";
import { t } from "../i18n";
import { deviceName, devices, devicesError, refreshDevices } from "../state/devices";
import { dayTitle, distance, duration } from "../util/format";
import { dayKey, routeStart } from "../util/route-time";

interface Day {
  key: string;
  date: Date;
  routes: Route[];
  miles: number;
  ms: number;
}

function groupByDay(routes: Route[]): Day[] {
  const days: Day[] = [];
  for (const r of routes) {
    const date = routeStart(r);
    const key = dayKey(date);
    let day = days.at(-1);
    if (!day || day.key !== key) days.push((day = { key, date, routes: [], miles: 0, ms: 0 }));
    day.routes.push(r);
    day.miles += r.distance;
    day.ms += routeStats(r).ms;
  }
  return days;
}

function DeviceTimeline(props: { dongleId: string }): JSX.Element {
  const pager = createPager<Route>((loaded) => nextRoutes(props.dongleId, loaded), PAGE_SIZE);
  onMount(() => void pager.more());
  const days = createMemo(() => groupByDay(pager.items()));
  return (
    <>
      <Show
        when={pager.items().length > 0 || !pager.done()}
        fallback={
          <Show when={!pager.error()} fallback={<ErrorNote error={pager.error()} retry={() => void pager.more()} />}>
            <Empty icon="timeline" title={t("timeline.empty")}>
              <p class="muted">{t("timeline.empty_hint")}</p>
            </Empty>
          </Show>
        }
      >
        <For each={days()}>
          {(day) => (
            <section class="day" aria-label={dayTitle(day.date)}>
              <header class="day-head">
                <h2>{dayTitle(day.date)}</h2>
                <span class="muted small">
                  {t("timeline.day_summary", {
                    count: day.routes.length,
                    distance: distance(day.miles),
                    duration: duration(day.ms),
                  })}
                </span>
              </header>
              <div class="grid grid-routes">
                <For each={day.routes}>{(r) => <RouteCard route={r} />}</For>
              </div>
            </section>
          )}
        </For>
      </Show>
      <LoadMore pager={pager} />
    </>
  );
}

export default function Timeline(): JSX.Element {
  const params = useParams();
  onMount(() => void (devices() ?? refreshDevices()));
  const first = () => devices()?.[0]?.dongle_id;
  return (
    <div class="page">
      <header class="page-head">
        <h1>{t("nav.timeline")}</h1>
        <Show when={(devices()?.length ?? 0) > 1}>
          <nav class="tabs" aria-label={t("timeline.devices")}>
            <For each={devices()}>
              {(d) => (
                <A
                  class="tab"
                  href={`/timeline/${d.dongle_id}`}
                  aria-current={params.dongle === d.dongle_id ? "page" : undefined}
                >
                  {deviceName(d)}
                </A>
              )}
            </For>
          </nav>
        </Show>
      </header>
      <Show
        when={devices()}
        fallback={devicesError() ? <ErrorNote error={devicesError()} retry={refreshDevices} /> : <Loading />}
      >
        <Show
          when={params.dongle}
          fallback={
            <Show
              when={first()}
              fallback={
                <Empty icon="car" title={t("dashboard.no_devices")}>
                  <A class="btn btn-primary" href="/pair">
                    {t("pair.title")}
                  </A>
                </Empty>
              }
            >
              <Navigate href={`/timeline/${first()}`} />
            </Show>
          }
        >
          {/* Keyed: switching devices starts a fresh list. */}
          <Show when={params.dongle} keyed>
            {(d) => <DeviceTimeline dongleId={d} />}
          </Show>
        </Show>
      </Show>
    </div>
  );
}
