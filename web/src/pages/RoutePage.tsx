/**
 * One drive: video, timeline bar and speed chart on one side, map and details on the other, all on one
 * playback clock. Derived files (coords/events/sprites) and the route JSON are cached by the service worker, so
 * a drive opened once can be reopened offline (without video).
 */
import { A, Navigate, useLocation, useParams } from "@solidjs/router";
import { createMemo, createResource, createSignal, type JSX, Show } from "solid-js";
import { ApiError } from "../api/client";
import { getCoords, getEvents, spriteUrl } from "../api/derived";
import { getRoute } from "../api/routes";
import type { Route } from "../api/types";
import { ErrorNote, Loading } from "../components/States";
import { UploadQueue } from "../device/UploadQueue";
import { t } from "../i18n";
import { createPlayback } from "../route/playback";
import { RouteActions } from "../route/RouteActions";
import { RouteInfo } from "../route/RouteInfo";
import { RouteMap } from "../route/RouteMap";
import { buildTimeline } from "../route/spans";
import { SpeedChart } from "../route/SpeedChart";
import { TimelineBar } from "../route/TimelineBar";
import { deviceName, devices, refreshDevices } from "../state/devices";
import { signedIn } from "../state/session";
import { dateTime } from "../util/format";
import { routeDurationMs, routeStart } from "../util/route-time";
import { VideoPlayer } from "../video/VideoPlayer";
import { hasWebGL, loadMapLibre } from "../map/loader";

function RouteView(props: { route: Route; setRoute: (r: Route) => void }): JSX.Element {
  const playback = createPlayback();
  const [coords] = createResource(() => props.route, getCoords);
  const [events] = createResource(() => props.route, getEvents);
  const [showUploads, setShowUploads] = createSignal(false);
  const durationS = createMemo(() => {
    const last = coords()?.at(-1)?.t ?? 0;
    return Math.max(routeDurationMs(props.route) / 1000, last, 1);
  });
  const timeline = createMemo(() => buildTimeline(events() ?? [], durationS() * 1000));
  const thumbnails = createMemo(() =>
    Array.from({ length: props.route.maxqlog + 1 }, (_, i) => spriteUrl(props.route, i)),
  );
  const device = () => devices()?.find((d) => d.dongle_id === props.route.dongle_id);
  if (signedIn() && !devices()) void refreshDevices();

  return (
    <div class="page route-page">
      <header class="page-head">
        <A class="back" href={device() ? `/timeline/${props.route.dongle_id}` : "/"}>
          ← {t("nav.timeline")}
        </A>
        <h1>{dateTime(routeStart(props.route))}</h1>
        <Show when={device()}>
          <p class="muted">{deviceName(device()!)}</p>
        </Show>
      </header>
      <div class="route-grid">
        <section class="route-media" aria-label={t("route.playback")}>
          <VideoPlayer fullname={props.route.fullname} playback={playback} poster={thumbnails()[0]} />
          <TimelineBar durationS={durationS()} spans={timeline().spans} playback={playback} thumbnails={thumbnails()} />
          <Show when={coords()} fallback={<Loading />}>
            {(c) => <SpeedChart coords={c()} durationS={durationS()} playback={playback} />}
          </Show>
        </section>
        <section class="route-side" aria-label={t("route.details")}>
          <Show
            when={coords()}
            fallback={
              <div class="route-map">
                <Loading />
              </div>
            }
          >
            {(c) => (
              <Show when={c().length > 0} fallback={<div class="route-map map-empty muted">{t("route.no_gps")}</div>}>
                <RouteMap coords={c()} playback={playback} />
              </Show>
            )}
          </Show>
          <RouteActions
            route={props.route}
            canWrite={!!device()}
            onChange={props.setRoute}
            onUploadRequested={() => setShowUploads(true)}
          />
          <RouteInfo route={props.route} coords={coords() ?? []} timeline={timeline()} />
        </section>
      </div>
      <Show when={showUploads() && device()}>
        <UploadQueue dongleId={props.route.dongle_id} logId={props.route.fullname.split("|")[1]} />
      </Show>
    </div>
  );
}

function RouteLoader(props: { fullname: string }): JSX.Element {
  const location = useLocation();
  // The map library is the biggest download: fetch it while the route and its coords are still loading.
  if (hasWebGL()) void loadMapLibre().catch(() => undefined);
  const [route, { mutate, refetch }] = createResource(() => props.fullname, getRoute);
  const needsSignIn = () => route.error instanceof ApiError && route.error.status === 401;
  return (
    <Show when={!needsSignIn()} fallback={<Navigate href={`/signin?next=${encodeURIComponent(location.pathname)}`} />}>
      <Show
        when={!route.error}
        fallback={
          <div class="page">
            <ErrorNote error={route.error} retry={refetch} />
          </div>
        }
      >
        <Show when={route()} fallback={<Loading />}>
          {(r) => <RouteView route={r()} setRoute={(x) => mutate(x)} />}
        </Show>
      </Show>
    </Show>
  );
}

export default function RoutePage(): JSX.Element {
  const params = useParams();
  // Keyed: another drive gets a fresh player, clock and map.
  return (
    <Show when={`${params.dongle}|${params.log}`} keyed>
      {(name) => <RouteLoader fullname={name} />}
    </Show>
  );
}
