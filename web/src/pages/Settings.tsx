/** Account (details, password, sign-out, API keys, security activity) and preferences. */
import { useNavigate } from "@solidjs/router";
import { For, type JSX, Show } from "solid-js";
import { LANGS, t } from "../i18n";
import { settings, type ThemePref, type Units, updateSettings } from "../state/settings";
import { signOut, user } from "../state/session";
import { dateTime } from "../util/format";
import { ApiKeys } from "./ApiKeys";
import { InvitesPanel } from "./InvitesPanel";
import { PasswordForm } from "./PasswordForm";
import { SecurityActivity } from "./SecurityActivity";

function Choice<T extends string>(props: {
  name: string;
  legend: string;
  value: T;
  options: { value: T; label: string }[];
  onChange: (v: T) => void;
}): JSX.Element {
  return (
    <fieldset class="choice">
      <legend>{props.legend}</legend>
      <div class="segmented">
        <For each={props.options}>
          {(o) => (
            <label>
              <input
                type="radio"
                name={props.name}
                value={o.value}
                checked={props.value === o.value}
                onChange={() => props.onChange(o.value)}
              />
              <span>{o.label}</span>
            </label>
          )}
        </For>
      </div>
    </fieldset>
  );
}

export default function Settings(): JSX.Element {
  const navigate = useNavigate();
  const out = async () => {
    await signOut();
    navigate("/signin", { replace: true });
  };
  return (
    <div class="page settings-page">
      <header class="page-head">
        <h1>{t("nav.settings")}</h1>
      </header>
      <section class="card" aria-labelledby="acct-h">
        <h2 id="acct-h">{t("settings.account")}</h2>
        <Show when={user()} fallback={<p class="muted">{t("common.loading")}</p>}>
          {(u) => (
            <dl class="info-list">
              <Show when={u().name}>
                <div>
                  <dt>{t("auth.name")}</dt>
                  <dd>{u().name}</dd>
                </div>
              </Show>
              <div>
                <dt>{t("auth.email")}</dt>
                <dd>{u().email}</dd>
              </div>
              <div>
                <dt>{t("settings.role")}</dt>
                <dd>{t(`settings.role.${u().role}`)}</dd>
              </div>
              <div>
                <dt>{t("settings.member_since")}</dt>
                <dd>{dateTime(new Date(u().created_at * 1000))}</dd>
              </div>
            </dl>
          )}
        </Show>
        <button type="button" class="btn" onClick={() => void out()}>
          {t("settings.sign_out")}
        </button>
      </section>
      <PasswordForm />
      <Show when={user()?.role === "admin"}>
        <InvitesPanel />
      </Show>
      <ApiKeys />
      <SecurityActivity />
      <section class="card" aria-labelledby="prefs-h">
        <h2 id="prefs-h">{t("settings.preferences")}</h2>
        <Choice<ThemePref>
          name="theme"
          legend={t("settings.theme")}
          value={settings.theme}
          onChange={(theme) => updateSettings({ theme })}
          options={[
            { value: "system", label: t("settings.theme.system") },
            { value: "light", label: t("settings.theme.light") },
            { value: "dark", label: t("settings.theme.dark") },
          ]}
        />
        <Choice<"en" | "fr">
          name="lang"
          legend={t("settings.language")}
          value={settings.lang}
          onChange={(lang) => updateSettings({ lang })}
          options={LANGS.map((l) => ({ value: l.code, label: l.label }))}
        />
        <Choice<Units>
          name="units"
          legend={t("settings.units")}
          value={settings.units}
          onChange={(units) => updateSettings({ units })}
          options={[
            { value: "metric", label: t("settings.units.metric") },
            { value: "imperial", label: t("settings.units.imperial") },
          ]}
        />
      </section>
      <p class="muted small about">{t("settings.about")}</p>
    </div>
  );
}
