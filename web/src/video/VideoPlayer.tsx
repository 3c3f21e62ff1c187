/**
 * The drive's qcamera video: HLS from our server, authorised by the route's share signature in the query (the
 * player cannot send our header). hls.js (light build, ~140 KB gzip) is loaded only here; Safari/iOS play HLS
 * natively. The element drives the page's playback clock.
 */
import type Hls from "hls.js/light";
import { createSignal, type JSX, onCleanup, onMount, Show } from "solid-js";
import { qcameraUrl } from "../api/routes";
import { t } from "../i18n";
import { online } from "../state/online";
import type { Playback } from "../route/playback";

/** `poster`: the first segment's thumbnail, painted long before the first video frame (it is the LCP element). */
export function VideoPlayer(props: { fullname: string; playback: Playback; poster?: string }): JSX.Element {
  let video!: HTMLVideoElement;
  let hls: Hls | undefined;
  const [error, setError] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(true);

  onMount(async () => {
    props.playback.attach(video);
    video.addEventListener("loadeddata", () => setLoading(false), { once: true });
    // Start downloading hls.js while the signed playlist URL is fetched.
    const hlsModule = import("hls.js/light");
    hlsModule.catch(() => undefined);
    let url: string;
    try {
      url = await qcameraUrl(props.fullname);
    } catch {
      setLoading(false);
      return setError(online() ? t("video.missing") : t("video.offline"));
    }
    const nativeHls = video.canPlayType("application/vnd.apple.mpegurl") !== "" && !("MediaSource" in window);
    if (nativeHls) {
      video.src = url;
      return;
    }
    let HlsCtor: typeof Hls;
    try {
      HlsCtor = (await hlsModule).default;
    } catch {
      setLoading(false);
      return setError(t("video.offline"));
    }
    if (!HlsCtor.isSupported()) {
      setLoading(false);
      return setError(t("video.unsupported"));
    }
    hls = new HlsCtor({
      enableWorker: true,
      enableWebVTT: false,
      enableIMSC1: false,
      enableCEA708Captions: false,
      maxBufferLength: 30,
    });
    hls.on(HlsCtor.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      setLoading(false);
      setError(online() ? t("video.missing") : t("video.offline"));
      hls?.destroy();
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  });
  onCleanup(() => hls?.destroy());

  return (
    <div class="video-wrap">
      <video
        ref={video}
        class="video"
        muted
        playsinline
        autoplay
        controls
        preload="auto"
        poster={props.poster}
        aria-label={t("video.label")}
      />
      <Show when={loading() && !error()}>
        <div class="video-overlay">
          <span class="spinner" aria-hidden="true" />
        </div>
      </Show>
      <Show when={error()}>
        <div class="video-overlay video-error" role="status">
          {error()}
        </div>
      </Show>
    </div>
  );
}
