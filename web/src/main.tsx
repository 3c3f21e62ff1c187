/** Entry point: styles, theme, session, service worker, then the app. */
import { render } from "solid-js/web";
import { App } from "./App";
import { applyTheme } from "./state/theme";
import { loadUser } from "./state/session";
import "./styles/base.css";
import "./styles/layout.css";
import "./styles/components.css";

applyTheme();
void loadUser();
render(() => <App />, document.getElementById("root")!);

// Not under the Vite dev server (import.meta.hot): there the worker would cache modules that keep changing.
if ("serviceWorker" in navigator && !import.meta.hot) {
  // After load: installing the worker (and precaching) must not compete with the first render.
  window.addEventListener("load", () => void navigator.serviceWorker.register("/sw.js").catch(() => undefined));
}
