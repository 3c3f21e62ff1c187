/**
 * The drive's timeline from events.json (docs/connect-api.md §5, new-connect's walk): engaged while `enabled`,
 * overriding while state is overriding/preEnabled, alerts while alertStatus ≠ 0 (1 = prompt, 2 = critical), and a
 * 1-s mark per user flag. Open spans close at the end of the drive. Times are ms since route start.
 */
import type { DriveEvent } from "../api/types";

export type SpanKind = "engaged" | "overriding" | "alert" | "critical" | "user_flag";

export interface Span {
  kind: SpanKind;
  start: number;
  end: number;
}

export interface Timeline {
  spans: Span[];
  engagedMs: number;
  userFlags: number;
}

export function buildTimeline(events: DriveEvent[], durationMs: number): Timeline {
  const spans: Span[] = [];
  let engagedAt: number | null = null;
  let overrideAt: number | null = null;
  let alert: { at: number; status: number } | null = null;
  const close = (kind: SpanKind, start: number, end: number) => {
    if (end > start) spans.push({ kind, start, end: Math.min(end, durationMs) });
  };

  for (const ev of events) {
    const t = Math.max(0, ev.route_offset_millis);
    if (ev.type === "user_flag") {
      spans.push({ kind: "user_flag", start: t, end: Math.min(t + 1000, durationMs) });
      continue;
    }
    if (ev.type !== "state") continue;
    const { enabled, state, alertStatus } = ev.data;
    if (enabled && engagedAt === null) engagedAt = t;
    if (!enabled && engagedAt !== null) {
      close("engaged", engagedAt, t);
      engagedAt = null;
    }
    const overriding = state === "overriding" || state === "preEnabled";
    if (overriding && overrideAt === null) overrideAt = t;
    if (!overriding && overrideAt !== null) {
      close("overriding", overrideAt, t);
      overrideAt = null;
    }
    if (alert && alert.status !== alertStatus) {
      close(alert.status === 2 ? "critical" : "alert", alert.at, t);
      alert = null;
    }
    if (!alert && alertStatus !== 0) alert = { at: t, status: alertStatus };
  }
  if (engagedAt !== null) close("engaged", engagedAt, durationMs);
  if (overrideAt !== null) close("overriding", overrideAt, durationMs);
  if (alert) close(alert.status === 2 ? "critical" : "alert", alert.at, durationMs);

  const engagedMs = spans.filter((s) => s.kind === "engaged").reduce((a, s) => a + (s.end - s.start), 0);
  return { spans, engagedMs, userFlags: spans.filter((s) => s.kind === "user_flag").length };
}
