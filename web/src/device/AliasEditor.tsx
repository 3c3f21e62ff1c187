/** The device's name, editable in place by its owner. */
import { createSignal, type JSX, Show } from "solid-js";
import { setAlias } from "../api/devices";
import type { Device } from "../api/types";
import { errorText } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";
import { deviceName } from "../state/devices";

export function AliasEditor(props: { device: Device; canEdit: boolean; onSaved: (d: Device) => void }): JSX.Element {
  const [editing, setEditing] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    const alias = String(new FormData(e.currentTarget as HTMLFormElement).get("alias") ?? "").trim();
    setBusy(true);
    try {
      props.onSaved(await setAlias(props.device.dongle_id, alias));
      setEditing(false);
      toast(t("device.alias_saved"));
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <Show
      when={editing()}
      fallback={
        <div class="alias">
          <h1>{deviceName(props.device)}</h1>
          <Show when={props.canEdit}>
            <button type="button" class="btn btn-small" onClick={() => setEditing(true)}>
              {t("device.rename")}
            </button>
          </Show>
        </div>
      }
    >
      <form class="alias alias-form" onSubmit={save}>
        <label class="sr-only" for="alias-input">
          {t("device.alias")}
        </label>
        <input
          id="alias-input"
          name="alias"
          value={props.device.alias}
          maxlength="100"
          placeholder={deviceName({ ...props.device, alias: "" })}
          autofocus
        />
        <button type="submit" class="btn btn-primary btn-small" disabled={busy()}>
          {t("common.save")}
        </button>
        <button type="button" class="btn btn-small" onClick={() => setEditing(false)}>
          {t("common.cancel")}
        </button>
      </form>
    </Show>
  );
}
