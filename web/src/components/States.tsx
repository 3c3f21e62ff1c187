/** Loading, empty and error states: every data view shows one of these instead of a blank area. */
import { type JSX, Show } from "solid-js";
import { ApiError, isNetworkError } from "../api/client";
import { t } from "../i18n";
import { Icon, type IconName } from "./Icon";

export function Loading(props: { label?: string }): JSX.Element {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{props.label ?? t("common.loading")}</span>
    </div>
  );
}

export function Empty(props: { icon?: IconName; title: string; children?: JSX.Element }): JSX.Element {
  return (
    <div class="state state-empty">
      <Show when={props.icon}>
        <Icon name={props.icon!} size={32} />
      </Show>
      <p class="state-title">{props.title}</p>
      {props.children}
    </div>
  );
}

/** A readable sentence for any error the API layer throws. */
export function errorText(err: unknown): string {
  if (isNetworkError(err)) return t("error.network");
  if (err instanceof ApiError) return err.message || t("error.generic");
  return err instanceof Error ? err.message : t("error.generic");
}

export function ErrorNote(props: { error: unknown; retry?: () => void }): JSX.Element {
  return (
    <div class="state state-error" role="alert">
      <p>{errorText(props.error)}</p>
      <Show when={props.retry}>
        <button type="button" class="btn" onClick={() => props.retry!()}>
          {t("common.retry")}
        </button>
      </Show>
    </div>
  );
}
