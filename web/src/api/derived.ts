/**
 * Per-segment files the server derives from qlogs, under route.url (a capability prefix: fetched without auth,
 * like comma's blob store). Missing segments are skipped, as new-connect does.
 */
import type { CoordPoint, DriveEvent, Route } from "./types";
import { noteNetworkFailure, noteResponse } from "../state/online";

const segments = (route: Route) => Array.from({ length: Math.max(0, route.maxqlog + 1) }, (_, i) => i);

async function json<T>(url: string): Promise<T | null> {
  try {
    const res = await fetch(url);
    noteResponse(res);
    return res.ok ? ((await res.json()) as T) : null;
  } catch {
    noteNetworkFailure();
    return null;
  }
}

const memo = new Map<string, Promise<unknown>>();
function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  if (!memo.has(key)) memo.set(key, load());
  return memo.get(key) as Promise<T>;
}

export function getCoords(route: Route): Promise<CoordPoint[]> {
  return cached(`coords|${route.url}|${route.maxqlog}`, async () => {
    const parts = await Promise.all(segments(route).map((s) => json<CoordPoint[]>(`${route.url}/${s}/coords.json`)));
    return parts.flatMap((p) => p ?? []);
  });
}

export function getEvents(route: Route): Promise<DriveEvent[]> {
  return cached(`events|${route.url}|${route.maxqlog}`, async () => {
    const parts = await Promise.all(segments(route).map((s) => json<DriveEvent[]>(`${route.url}/${s}/events.json`)));
    return parts.flatMap((p) => p ?? []).sort((a, b) => a.route_offset_millis - b.route_offset_millis);
  });
}

export const spriteUrl = (route: Route, segment = 0) => `${route.url}/${segment}/sprite.jpg`;
