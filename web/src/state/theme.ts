/** Resolves the theme preference against the OS setting and applies it to <html data-theme>. */
import { createEffect, createRoot, createSignal } from "solid-js";
import { settings } from "./settings";

const media = window.matchMedia("(prefers-color-scheme: dark)");
const [systemDark, setSystemDark] = createSignal(media.matches);
media.addEventListener("change", (e) => setSystemDark(e.matches));

export const resolvedTheme = (): "light" | "dark" =>
  settings.theme === "system" ? (systemDark() ? "dark" : "light") : settings.theme;

export function applyTheme(): void {
  createRoot(() => {
    createEffect(() => {
      const theme = resolvedTheme();
      document.documentElement.dataset.theme = theme;
      document
        .querySelector('meta[name="theme-color"]')
        ?.setAttribute("content", theme === "dark" ? "#101418" : "#f6f7f9");
    });
    createEffect(() => {
      document.documentElement.lang = settings.lang;
    });
  });
}
