/** Numbers, distances, speeds, durations and dates in the user's language and units. */
import { settings } from "../state/settings";

export const KM_PER_MILE = 1.609344;

const nf = (digits: number) =>
  new Intl.NumberFormat(settings.lang, { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Server distances are miles (comma's convention). */
export function distance(miles: number): string {
  const metric = settings.units === "metric";
  const v = metric ? miles * KM_PER_MILE : miles;
  return `${nf(v < 10 ? 1 : 0).format(v)} ${metric ? "km" : "mi"}`;
}

export function speed(metersPerSecond: number): string {
  return `${nf(0).format(speedValue(metersPerSecond))} ${speedUnit()}`;
}

export const speedValue = (mps: number) => (settings.units === "metric" ? mps * 3.6 : mps * 2.2369363);
export const speedUnit = () => (settings.units === "metric" ? "km/h" : "mph");

/** 3725 s → "1 h 02 min", 125 s → "2 min 05 s". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h) return `${h} h ${String(m).padStart(2, "0")} min`;
  if (m) return `${m} min${s % 60 ? ` ${String(s % 60).padStart(2, "0")} s` : ""}`;
  return `${s} s`;
}

/** Player clock: 75.2 → "1:15". */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export const percent = (fraction: number) =>
  new Intl.NumberFormat(settings.lang, { style: "percent", maximumFractionDigits: 0 }).format(fraction);
export const number = (v: number, digits = 0) => nf(digits).format(v);

export const time = (d: Date) =>
  new Intl.DateTimeFormat(settings.lang, { hour: "2-digit", minute: "2-digit" }).format(d);
export const dateTime = (d: Date) =>
  new Intl.DateTimeFormat(settings.lang, { dateStyle: "medium", timeStyle: "short" }).format(d);
export const dayTitle = (d: Date) =>
  new Intl.DateTimeFormat(settings.lang, { weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(d);

/** "5 minutes ago", "yesterday". */
export function ago(date: Date, now = Date.now()): string {
  const rtf = new Intl.RelativeTimeFormat(settings.lang, { numeric: "auto" });
  const s = Math.round((date.getTime() - now) / 1000);
  const steps: [number, Intl.RelativeTimeFormatUnit][] = [
    [60, "second"],
    [3600, "minute"],
    [86400, "hour"],
    [604800, "day"],
    [2629800, "week"],
    [31557600, "month"],
  ];
  for (let i = 0; i < steps.length; i++) {
    if (Math.abs(s) < steps[i][0]) return rtf.format(Math.round(s / (i ? steps[i - 1][0] : 1)), steps[i][1]);
  }
  return rtf.format(Math.round(s / 31557600), "year");
}
