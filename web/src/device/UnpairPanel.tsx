/** Unpair: the device forgets its owner and can be paired again (it keeps its drives on the server). */
import { useNavigate } from "@solidjs/router";
import { createSignal, type JSX } from "solid-js";
import { unpair } from "../api/devices";
import { ConfirmDialog } from "../components/Dialog";
import { errorText } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";
import { forgetDevice } from "../state/devices";

export function UnpairPanel(props: { dongleId: string; name: string }): JSX.Element {
  const navigate = useNavigate();
  const [open, setOpen] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await unpair(props.dongleId);
      forgetDevice(props.dongleId);
      toast(t("device.unpaired", { name: props.name }));
      navigate("/", { replace: true });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card danger" aria-labelledby="danger-h">
      <h2 id="danger-h">{t("device.unpair")}</h2>
      <p class="muted small">{t("device.unpair_hint")}</p>
      <button
        type="button"
        class="btn btn-danger-outline"
        onClick={() => {
          setError(null);
          setOpen(true);
        }}
      >
        {t("device.unpair")}
      </button>
      <ConfirmDialog
        open={open()}
        title={t("device.unpair_title", { name: props.name })}
        message={t("device.unpair_confirm")}
        confirmLabel={t("device.unpair")}
        busy={busy()}
        error={error()}
        onConfirm={() => void confirm()}
        onClose={() => setOpen(false)}
      />
    </section>
  );
}
