/** Speed over the drive (from coords.json) with a cursor at the playback position; click or drag to seek. */
import { createMemo, type JSX, Show } from "solid-js";
import type { CoordPoint } from "../api/types";
import { t } from "../i18n";
import { number, speedUnit, speedValue } from "../util/format";
import type { Playback } from "./playback";
import { positionAt } from "./track";

const W = 1000;
const H = 120;

export function SpeedChart(props: { coords: CoordPoint[]; durationS: number; playback: Playback }): JSX.Element {
  let svg!: SVGSVGElement;
  const max = createMemo(() => Math.max(1, ...props.coords.map((c) => speedValue(c.speed))));
  const x = (tS: number) => ((tS / props.durationS) * W).toFixed(1);
  const path = createMemo(() => {
    const top = max() * 1.1;
    return props.coords
      .map((c, i) => `${i ? "L" : "M"}${x(c.t)},${(H - (speedValue(c.speed) / top) * H).toFixed(1)}`)
      .join("");
  });
  const area = () => `${path()}L${x(props.coords.at(-1)?.t ?? 0)},${H}L${x(props.coords[0]?.t ?? 0)},${H}Z`;
  const current = () => {
    const p = positionAt(props.coords, props.playback.time());
    return p ? speedValue(p.speed) : null;
  };
  const seekTo = (clientX: number) => {
    const r = svg.getBoundingClientRect();
    props.playback.seek(Math.min(1, Math.max(0, (clientX - r.left) / r.width)) * props.durationS);
  };
  return (
    <figure class="speed-chart">
      <figcaption>
        <span>{t("route.speed")}</span>
        <span class="mono">{current() === null ? "–" : `${number(current()!)} ${speedUnit()}`}</span>
        <span class="muted small">{t("route.max", { value: `${number(max())} ${speedUnit()}` })}</span>
      </figcaption>
      <Show when={props.coords.length > 1} fallback={<p class="muted small">{t("route.no_gps")}</p>}>
        <svg
          ref={svg}
          viewBox={`0 0 ${W} ${H}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={t("route.speed_chart")}
          onPointerDown={(e) => {
            svg.setPointerCapture(e.pointerId);
            seekTo(e.clientX);
          }}
          onPointerMove={(e) => {
            if (svg.hasPointerCapture(e.pointerId)) seekTo(e.clientX);
          }}
        >
          <path d={area()} class="speed-area" />
          <path d={path()} class="speed-line" vector-effect="non-scaling-stroke" />
          <line
            class="speed-cursor"
            x1={(props.playback.time() / props.durationS) * W}
            x2={(props.playback.time() / props.durationS) * W}
            y1="0"
            y2={H}
            vector-effect="non-scaling-stroke"
          />
        </svg>
      </Show>
    </figure>
  );
}
