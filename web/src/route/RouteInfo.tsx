/** The drive's numbers and provenance. */
import { type JSX, Show } from "solid-js";
import type { CoordPoint, Route } from "../api/types";
import { routeStats } from "../components/RouteCard";
import { t } from "../i18n";
import { dateTime, distance, duration, percent, speed } from "../util/format";
import { routeStart } from "../util/route-time";
import type { Timeline } from "./spans";

export function RouteInfo(props: { route: Route; coords: CoordPoint[]; timeline: Timeline }): JSX.Element {
  const stats = () => routeStats(props.route);
  const maxSpeed = () => props.coords.reduce((m, c) => Math.max(m, c.speed), 0);
  return (
    <dl class="info-list">
      <div>
        <dt>{t("route.started")}</dt>
        <dd>{dateTime(routeStart(props.route))}</dd>
      </div>
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
        <dt>{t("route.max_speed")}</dt>
        <dd>{speed(maxSpeed())}</dd>
      </div>
      <div>
        <dt>{t("route.engaged")}</dt>
        <dd>{stats().ms > 0 ? percent(props.timeline.engagedMs / stats().ms) : "–"}</dd>
      </div>
      <div>
        <dt>{t("route.flags_label")}</dt>
        <dd>{props.timeline.userFlags}</dd>
      </div>
      <Show when={props.route.platform}>
        <div>
          <dt>{t("route.car")}</dt>
          <dd>{props.route.platform}</dd>
        </div>
      </Show>
      <Show when={props.route.version}>
        <div>
          <dt>{t("route.openpilot")}</dt>
          <dd>
            {props.route.version}
            {props.route.git_branch ? ` (${props.route.git_branch})` : ""}
          </dd>
        </div>
      </Show>
    </dl>
  );
}
