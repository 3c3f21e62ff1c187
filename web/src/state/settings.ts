/**
 * User preferences kept in this browser: theme, language, units. A Solid store, so everything that reads it
 * (t(), formatters, the map style) updates when it changes.
 */
import { createStore } from "solid-js/store";

export type ThemePref = "system" | "light" | "dark";
export type Units = "metric" | "imperial";

export interface Settings {
  theme: ThemePref;
  lang: "en" | "fr";
  units: Units;
}

const KEY = "edge-connect.settings";

function defaults(): Settings {
  const nav = typeof navigator === "undefined" ? "en" : navigator.language;
  return {
    theme: "system",
    lang: nav.toLowerCase().startsWith("fr") ? "fr" : "en",
    // Drivers in the US and UK read miles.
    units: /^en-(US|GB|LR)$/i.test(nav) ? "imperial" : "metric",
  };
}

function load(): Settings {
  try {
    return { ...defaults(), ...(JSON.parse(localStorage.getItem(KEY) ?? "{}") as Partial<Settings>) };
  } catch {
    return defaults();
  }
}

const [settings, setStore] = createStore<Settings>(load());
export { settings };

export function updateSettings(patch: Partial<Settings>): void {
  setStore(patch);
  localStorage.setItem(KEY, JSON.stringify({ ...settings }));
}
