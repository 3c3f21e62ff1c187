/**
 * One drive in a list: thumbnail, time, distance, duration, average speed and the engaged share (from
 * events.json, loaded when the card is created; cached per route in api/derived.ts).
 */
import { A } from "@solidjs/router";
import { createResource, createSignal, type JSX, Show } from "solid-js";
import { getEvents, spriteUrl } from "../api/derived";
import { routePath } from "../api/routes";
import type { Route } from "../api/types";
import { t } from "../i18n";
import { buildTimeline } from "../route/spans";
import { distance, duration, percent, speed, time } from "../util/format";
import { routeDurationMs, routeEnd, routeStart } from "../util/route-time";
import { Icon } from "./Icon";

export function routeStats(route: Route) {
  const ms = routeDurationMs(route);
  const metersPerSecond = ms > 0 ? (route.distance * 1609.344) / (ms / 1000) : 0;
  return { ms, metersPerSecond };
}

export function RouteCard(props: { route: Route; deviceLabel?: string }): JSX.Element {
  const [thumbFailed, setThumbFailed] = createSignal(false);
  const stats = () => routeStats(props.route);
  const [timeline] = createResource(
    () => props.route,
    async (r) => buildTimeline(await getEvents(r), routeDurationMs(r)),
  );
  const engaged = () => {
    const tl = timeline();
    return tl && stats().ms > 0 ? tl.engagedMs / stats().ms : null;
  };
  const end = () => routeEnd(props.route);
  return (
    <A class="card route-card" href={routePath(props.route.fullname)}>
      <div class="route-thumb">
        <Show when={!thumbFailed()} fallback={<Icon name="car" size={28} />}>
          <img
            src={spriteUrl(props.route)}
            alt=""
            loading="lazy"
            width="128"
            height="96"
            onError={() => setThumbFailed(true)}
          />
        </Show>
      </div>
      <div class="route-card-body">
        <h3>
          {time(routeStart(props.route))}
          <Show when={end()}>{(e) => <> – {time(e())}</>}</Show>
          <Show when={props.deviceLabel}>
            <span class="muted small"> · {props.deviceLabel}</span>
          </Show>
        </h3>
        <dl class="route-stats">
          <div>
            <dt>{t("route.distance")}</dt>
            <dd>{distance(props.route.distance)}</dd>
          </div>
          <div>
            <dt>{t("route.duration")}</dt>
            <dd>{duration(stats().ms)}</dd>
          </div>
          <div>
            <dt>{t("route.avg_speed")}</dt>
            <dd>{speed(stats().metersPerSecond)}</dd>
          </div>
          <div>
            <dt>{t("route.engaged")}</dt>
            <dd>{engaged() === null ? "–" : percent(engaged()!)}</dd>
          </div>
        </dl>
        <div class="engaged-bar" role="presentation">
          <span style={{ width: `${Math.round((engaged() ?? 0) * 100)}%` }} />
        </div>
        <Show when={(timeline()?.userFlags ?? 0) > 0}>
          <span class="badge badge-flag">
            <Icon name="flag" size={14} /> {t("route.flags", { count: timeline()!.userFlags })}
          </span>
        </Show>
      </div>
    </A>
  );
}
