/**
 * Modal dialog on the native <dialog> element: focus trapping, Escape and the backdrop come from the browser,
 * which also makes it a proper modal for screen readers.
 */
import { createEffect, type JSX, onCleanup } from "solid-js";
import { t } from "../i18n";

export function Dialog(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: JSX.Element;
  wide?: boolean;
}): JSX.Element {
  let el!: HTMLDialogElement;
  createEffect(() => {
    if (props.open && !el.open) el.showModal();
    if (!props.open && el.open) el.close();
  });
  onCleanup(() => el?.open && el.close());
  const id = `dlg-${Math.random().toString(36).slice(2, 8)}`;
  return (
    <dialog
      ref={el}
      class={`dialog ${props.wide ? "dialog-wide" : ""}`}
      aria-labelledby={id}
      onClose={() => props.onClose()}
      onClick={(e) => {
        if (e.target === el) props.onClose();
      }}
    >
      <div class="dialog-body">
        <header class="dialog-head">
          <h2 id={id}>{props.title}</h2>
          <button type="button" class="btn-icon" aria-label={t("common.close")} onClick={() => props.onClose()}>
            ×
          </button>
        </header>
        {props.children}
      </div>
    </dialog>
  );
}

/** "Are you sure?" with a destructive confirm button. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  message: string;
  confirmLabel: string;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onClose: () => void;
}): JSX.Element {
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onClose}>
      <p>{props.message}</p>
      {props.error ? (
        <p class="form-error" role="alert">
          {props.error}
        </p>
      ) : null}
      <div class="dialog-actions">
        <button type="button" class="btn" onClick={() => props.onClose()}>
          {t("common.cancel")}
        </button>
        <button type="button" class="btn btn-danger" disabled={props.busy} onClick={() => props.onConfirm()}>
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
