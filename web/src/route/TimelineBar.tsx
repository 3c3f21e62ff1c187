/**
 * The drive as a bar: engaged / overriding / alert spans and user flags, a thumbnail strip, and the playhead.
 * It is a slider for assistive tech and keyboards (arrows ±5 s, Page ±1 min, Home/End); click or drag to seek.
 */
import { For, type JSX, Show } from "solid-js";
import { t } from "../i18n";
import { clock } from "../util/format";
import type { Playback } from "./playback";
import type { Span, SpanKind } from "./spans";

const LEGEND: SpanKind[] = ["engaged", "overriding", "alert", "critical", "user_flag"];

export function TimelineBar(props: {
  durationS: number;
  spans: Span[];
  playback: Playback;
  thumbnails?: string[];
}): JSX.Element {
  let bar!: HTMLDivElement;
  const pct = (ms: number) => `${Math.min(100, Math.max(0, (ms / 1000 / props.durationS) * 100))}%`;
  const seekTo = (clientX: number) => {
    const r = bar.getBoundingClientRect();
    props.playback.seek(Math.min(1, Math.max(0, (clientX - r.left) / r.width)) * props.durationS);
  };
  const onPointerDown = (e: PointerEvent) => {
    bar.setPointerCapture(e.pointerId);
    seekTo(e.clientX);
  };
  const onPointerMove = (e: PointerEvent) => {
    if (bar.hasPointerCapture(e.pointerId)) seekTo(e.clientX);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const now = props.playback.time();
    const steps: Record<string, number> = {
      ArrowLeft: -5,
      ArrowDown: -5,
      ArrowRight: 5,
      ArrowUp: 5,
      PageDown: -60,
      PageUp: 60,
    };
    let next: number | null = null;
    if (e.key in steps) next = now + steps[e.key];
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = props.durationS;
    if (next === null) return;
    e.preventDefault();
    props.playback.seek(Math.min(props.durationS, Math.max(0, next)));
  };

  return (
    <div class="timeline">
      <div
        ref={bar}
        class="timeline-bar"
        role="slider"
        tabindex="0"
        aria-label={t("timeline.bar")}
        aria-valuemin="0"
        aria-valuemax={Math.round(props.durationS)}
        aria-valuenow={Math.round(props.playback.time())}
        aria-valuetext={t("timeline.position", { at: clock(props.playback.time()), total: clock(props.durationS) })}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onKeyDown={onKeyDown}
      >
        <Show when={props.thumbnails?.length}>
          <div class="timeline-thumbs" aria-hidden="true">
            <For each={props.thumbnails}>
              {(src) => (
                <img src={src} alt="" loading="lazy" onError={(e) => (e.currentTarget.style.visibility = "hidden")} />
              )}
            </For>
          </div>
        </Show>
        <For each={props.spans}>
          {(s) => (
            <span
              class={`span span-${s.kind}`}
              style={{ left: pct(s.start), width: s.kind === "user_flag" ? undefined : pct(s.end - s.start) }}
            />
          )}
        </For>
        <span class="playhead" style={{ left: pct(props.playback.time() * 1000) }} />
      </div>
      <div class="timeline-foot">
        <span class="mono">
          {clock(props.playback.time())} / {clock(props.durationS)}
        </span>
        <ul class="legend">
          <For each={LEGEND}>
            {(k) => (
              <li>
                <span class={`swatch span-${k}`} aria-hidden="true" />
                {t(`timeline.kind.${k}`)}
              </li>
            )}
          </For>
        </ul>
      </div>
    </div>
  );
}
