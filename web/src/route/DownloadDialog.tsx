/** The drive's uploaded files by segment, as signed download links (valid for an hour). */
import { createResource, For, type JSX, Show } from "solid-js";
import { getFiles } from "../api/routes";
import type { Route, RouteFiles } from "../api/types";
import { describeUpload } from "../api/uploads";
import { Dialog } from "../components/Dialog";
import { ErrorNote, Loading } from "../components/States";
import { t } from "../i18n";

const KINDS: (keyof RouteFiles)[] = ["qcameras", "qlogs", "cameras", "ecameras", "dcameras", "logs"];

function bySegment(files: RouteFiles): [number, { kind: keyof RouteFiles; url: string; name: string }[]][] {
  const segs = new Map<number, { kind: keyof RouteFiles; url: string; name: string }[]>();
  for (const kind of KINDS) {
    for (const url of files[kind] ?? []) {
      const d = describeUpload(url);
      const seg = d.segment ?? 0;
      segs.set(seg, [...(segs.get(seg) ?? []), { kind, url, name: d.file }]);
    }
  }
  return [...segs.entries()].sort((a, b) => a[0] - b[0]);
}

export function DownloadDialog(props: { open: boolean; route: Route; onClose: () => void }): JSX.Element {
  const [files, { refetch }] = createResource(() => props.open && props.route.fullname, getFiles);
  return (
    <Dialog open={props.open} title={t("download.title")} onClose={props.onClose} wide>
      <Show when={!files.error} fallback={<ErrorNote error={files.error} retry={refetch} />}>
        <Show when={files()} fallback={<Loading />}>
          {(f) => (
            <Show when={bySegment(f()).length > 0} fallback={<p class="muted">{t("download.none")}</p>}>
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">{t("download.segment")}</th>
                    <th scope="col">{t("download.files")}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={bySegment(f())}>
                    {([seg, list]) => (
                      <tr>
                        <th scope="row">{seg}</th>
                        <td class="file-links">
                          <For each={list}>
                            {(x) => (
                              <a href={x.url} download={`${props.route.fullname.split("|")[1]}--${seg}--${x.name}`}>
                                {x.name}
                              </a>
                            )}
                          </For>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
              <p class="muted small">{t("download.hint")}</p>
            </Show>
          )}
        </Show>
      </Show>
    </Dialog>
  );
}
