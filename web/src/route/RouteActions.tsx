/** What a user can do with a drive: preserve, share, download, upload full quality, delete. */
import { useNavigate } from "@solidjs/router";
import { createSignal, type JSX, Show } from "solid-js";
import { deleteRoute, setPreserved } from "../api/routes";
import type { Route } from "../api/types";
import { ConfirmDialog } from "../components/Dialog";
import { Icon } from "../components/Icon";
import { errorText } from "../components/States";
import { toast } from "../components/Toasts";
import { t } from "../i18n";
import { online } from "../state/online";
import { DownloadDialog } from "./DownloadDialog";
import { ShareDialog } from "./ShareDialog";
import { UploadDialog } from "./UploadDialog";

type Open = null | "share" | "download" | "upload" | "delete";

export function RouteActions(props: {
  route: Route;
  canWrite: boolean;
  onChange: (r: Route) => void;
  onUploadRequested: () => void;
}): JSX.Element {
  const navigate = useNavigate();
  const [open, setOpen] = createSignal<Open>(null);
  const [busy, setBusy] = createSignal(false);
  const [deleteError, setDeleteError] = createSignal<string | null>(null);
  const close = () => setOpen(null);

  const togglePreserve = async () => {
    const next = !props.route.is_preserved;
    setBusy(true);
    try {
      await setPreserved(props.route.fullname, next);
      props.onChange({ ...props.route, is_preserved: next });
      toast(next ? t("route.preserved_on") : t("route.preserved_off"));
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setDeleteError(null);
    try {
      await deleteRoute(props.route.fullname);
      toast(t("route.deleted"));
      navigate(`/timeline/${props.route.dongle_id}`, { replace: true });
    } catch (err) {
      setDeleteError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="actions" role="group" aria-label={t("route.actions")}>
      <Show when={props.canWrite}>
        <button
          type="button"
          class="btn"
          aria-pressed={!!props.route.is_preserved}
          disabled={busy() || !online()}
          onClick={() => void togglePreserve()}
        >
          <Icon name="star" /> {props.route.is_preserved ? t("route.preserved") : t("route.preserve")}
        </button>
        <button type="button" class="btn" disabled={!online()} onClick={() => setOpen("share")}>
          <Icon name="share" /> {t("route.share")}
        </button>
      </Show>
      <button type="button" class="btn" disabled={!online()} onClick={() => setOpen("download")}>
        <Icon name="download" /> {t("route.download")}
      </button>
      <Show when={props.canWrite}>
        <button type="button" class="btn" disabled={!online()} onClick={() => setOpen("upload")}>
          <Icon name="upload" /> {t("route.upload_full")}
        </button>
        <button
          type="button"
          class="btn btn-danger-outline"
          disabled={!online()}
          onClick={() => {
            setDeleteError(null);
            setOpen("delete");
          }}
        >
          <Icon name="trash" /> {t("route.delete")}
        </button>
      </Show>

      <ShareDialog open={open() === "share"} route={props.route} onClose={close} onChange={props.onChange} />
      <DownloadDialog open={open() === "download"} route={props.route} onClose={close} />
      <UploadDialog
        open={open() === "upload"}
        route={props.route}
        onClose={close}
        onRequested={props.onUploadRequested}
      />
      <ConfirmDialog
        open={open() === "delete"}
        title={t("route.delete_title")}
        message={t("route.delete_confirm")}
        confirmLabel={t("route.delete")}
        busy={busy()}
        error={deleteError()}
        onConfirm={() => void remove()}
        onClose={close}
      />
    </div>
  );
}
