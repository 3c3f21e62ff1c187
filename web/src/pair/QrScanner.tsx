/**
 * Reads a QR code from the camera, or from a photo for computers without one. Uses the browser's
 * BarcodeDetector where it exists (Chrome on Android/macOS) and falls back to jsQR, loaded only then.
 */
import { createSignal, type JSX, onCleanup, Show } from "solid-js";
import { Icon } from "../components/Icon";
import { t } from "../i18n";

type Source = HTMLVideoElement | ImageBitmap;
type Detect = (source: Source) => Promise<string | null>;

interface BarcodeDetectorLike {
  detect(s: Source): Promise<{ rawValue: string }[]>;
}
declare global {
  interface Window {
    BarcodeDetector?: {
      new (o: { formats: string[] }): BarcodeDetectorLike;
      getSupportedFormats?(): Promise<string[]>;
    };
  }
}

async function makeDetector(): Promise<Detect> {
  const BD = window.BarcodeDetector;
  if (BD && (await BD.getSupportedFormats?.().catch(() => [] as string[]))?.includes("qr_code")) {
    const d = new BD({ formats: ["qr_code"] });
    return async (s) => (await d.detect(s))[0]?.rawValue ?? null;
  }
  const { default: jsQR } = await import("jsqr");
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  return async (s) => {
    const w = s instanceof HTMLVideoElement ? s.videoWidth : s.width;
    const h = s instanceof HTMLVideoElement ? s.videoHeight : s.height;
    if (!w || !h) return null;
    canvas.width = w;
    canvas.height = h;
    ctx.drawImage(s, 0, 0);
    return jsQR(ctx.getImageData(0, 0, w, h).data, w, h)?.data ?? null;
  };
}

export function QrScanner(props: { onResult: (text: string) => void }): JSX.Element {
  let video!: HTMLVideoElement;
  const [scanning, setScanning] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let stream: MediaStream | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const stop = () => {
    clearTimeout(timer);
    stream?.getTracks().forEach((tr) => tr.stop());
    stream = null;
    setScanning(false);
  };
  onCleanup(stop);

  const start = async () => {
    setError(null);
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch {
      return setError(t("pair.camera_denied"));
    }
    setScanning(true);
    video.srcObject = stream;
    await video.play().catch(() => undefined);
    const detect = await makeDetector();
    const loop = async () => {
      if (!stream) return;
      const text = await detect(video).catch(() => null);
      if (text) {
        stop();
        return props.onResult(text);
      }
      timer = setTimeout(loop, 250);
    };
    void loop();
  };

  const fromFile = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    try {
      const text = await (await makeDetector())(await createImageBitmap(file));
      if (text) props.onResult(text);
      else setError(t("pair.no_qr"));
    } catch {
      setError(t("pair.no_qr"));
    }
  };

  return (
    <div class="scanner">
      <div class="scanner-view" classList={{ active: scanning() }}>
        <video ref={video} muted playsinline aria-label={t("pair.camera")} />
        <Show when={!scanning()}>
          <Icon name="qr" size={48} />
        </Show>
      </div>
      <div class="scanner-actions">
        <Show
          when={!scanning()}
          fallback={
            <button type="button" class="btn" onClick={stop}>
              {t("pair.stop")}
            </button>
          }
        >
          <button type="button" class="btn btn-primary" onClick={() => void start()} disabled={!navigator.mediaDevices}>
            <Icon name="camera" /> {t("pair.scan")}
          </button>
        </Show>
        <label class="btn">
          {t("pair.from_photo")}
          <input
            type="file"
            accept="image/*"
            class="sr-only"
            onChange={(e) => void fromFile(e.currentTarget.files?.[0])}
          />
        </label>
      </div>
      <Show when={error()}>
        <p class="form-error small" role="alert">
          {error()}
        </p>
      </Show>
    </div>
  );
}
