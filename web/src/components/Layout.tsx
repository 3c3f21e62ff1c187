/**
 * The frame around signed-in pages: a top bar on desktop, a bottom tab bar on phones (thumb reach), the offline
 * banner, and a skip link for keyboard users.
 */
import { A } from "@solidjs/router";
import { For, type JSX, Show } from "solid-js";
import { t } from "../i18n";
import { online } from "../state/online";
import { Icon, type IconName } from "./Icon";
import { Toasts } from "./Toasts";

const NAV: { href: string; icon: IconName; label: () => string; end?: boolean }[] = [
  { href: "/", icon: "home", label: () => t("nav.dashboard"), end: true },
  { href: "/timeline", icon: "timeline", label: () => t("nav.timeline") },
  { href: "/pair", icon: "plus", label: () => t("nav.pair") },
  { href: "/settings", icon: "settings", label: () => t("nav.settings") },
];

export function OfflineBanner(): JSX.Element {
  return (
    <Show when={!online()}>
      <div class="offline-banner" role="status">
        <Icon name="wifi_off" size={18} />
        <span>{t("offline.banner")}</span>
      </div>
    </Show>
  );
}

export function Layout(props: { children?: JSX.Element }): JSX.Element {
  return (
    <div class="app">
      <a class="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header class="topbar">
        <A href="/" class="brand" aria-label={t("app.name")}>
          <img src="/icons/icon.svg" alt="" width="28" height="28" />
          <span>{t("app.name")}</span>
        </A>
        <nav class="nav" aria-label={t("nav.main")}>
          <For each={NAV}>
            {(item) => (
              <A href={item.href} end={item.end} class="nav-link" activeClass="active">
                <Icon name={item.icon} />
                <span>{item.label()}</span>
              </A>
            )}
          </For>
        </nav>
      </header>
      <OfflineBanner />
      <main id="main" class="main" tabindex="-1">
        {props.children}
      </main>
      <Toasts />
    </div>
  );
}

/** Sign-in and sign-up: no navigation, centred card. */
export function BareLayout(props: { children?: JSX.Element }): JSX.Element {
  return (
    <div class="app app-bare">
      <OfflineBanner />
      <main id="main" class="main main-bare">
        {props.children}
      </main>
      <Toasts />
    </div>
  );
}
