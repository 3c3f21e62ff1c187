/**
 * What the simulated device answers over athena (docs/athena.md), backed by a small in-memory
 * data directory and athenad's upload queue. Uploads are real: they PUT the file to the signed URL the web app
 * obtained, through SimDevice.put (same headers and success statuses as athenad's upload threads).
 */
import type { SimDevice } from "./device";
import { InvalidParams, type Dispatcher } from "./athena-rpc";

export const LOG_ROOT = "/data/media/0/realdata/";
/** athenad: a success is any of these; anything else is retried up to MAX_RETRY_COUNT times. */
const UPLOAD_DONE = [200, 201, 401, 403, 412];
const MAX_RETRY_COUNT = 30;

export interface UploadItem {
  path: string;
  url: string;
  headers: Record<string, string>;
  created_at: number;
  id: string;
  retry_count: number;
  current: boolean;
  progress: number;
  allow_cellular: boolean;
  priority: number;
}

export interface SimDeviceData {
  files: Map<string, Uint8Array>;
  /** takeSnapshot's back camera JPEG (base64 of these bytes); null = no camera. */
  snapshot: Uint8Array | null;
  version: { version: string; remote: string; branch: string; commit: string };
  /** Live services getMessage can return. */
  messages: Record<string, () => Record<string, unknown>>;
}

export function defaultMessages(now: () => number): SimDeviceData["messages"] {
  return {
    deviceState: () => ({
      started: false,
      networkType: 1,
      freeSpacePercent: 81.5,
      thermalStatus: 0,
      cpuTempC: [44.5, 45.1],
      memoryUsagePercent: 38,
    }),
    peripheralState: () => ({ pandaType: 7, voltage: 12_480, current: 1_150, fanSpeedRpm: 1_800, usbPowerMode: 2 }),
    gpsLocationExternal: () => ({
      latitude: 52.5163,
      longitude: 13.3777,
      altitude: 34.2,
      speed: 0,
      bearingDeg: 90,
      accuracy: 3.5,
      hasFix: true,
      unixTimestampMillis: now(),
      source: 6,
    }),
  };
}

async function sha1Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export class SimUploadQueue {
  readonly queue: UploadItem[] = [];
  readonly current: UploadItem[] = [];
  /** Finished uploads with the PUT status, for assertions. */
  readonly done: { path: string; status: number }[] = [];

  constructor(
    private readonly device: SimDevice,
    private readonly files: Map<string, Uint8Array>,
  ) {}

  /** The file the device would send for `fn`: as named, or uncompressed on disk (compressed on the fly). */
  private resolve(fn: string): string | null {
    if (this.files.has(fn)) return fn;
    if (fn.endsWith(".zst") && this.files.has(fn.slice(0, -4))) return fn.slice(0, -4);
    return null;
  }

  /** uploadFilesToUrls: validation and duplicate suppression (by URL without its query) as athenad does. */
  async enqueue(filesData: unknown, nowMs: number): Promise<Record<string, unknown>> {
    if (!Array.isArray(filesData)) throw new InvalidParams("files_data must be a list");
    const items: UploadItem[] = [];
    const failed: string[] = [];
    for (const f of filesData as Record<string, unknown>[]) {
      const fn = String(f?.fn ?? "");
      const url = String(f?.url ?? "");
      const local = fn && !fn.startsWith("/") && !fn.includes("..") && url ? this.resolve(fn) : null;
      if (!local) {
        failed.push(fn);
        continue;
      }
      const base = url.split("?")[0];
      if ([...this.queue, ...this.current].some((i) => i.url.split("?")[0] === base)) continue;
      const item: UploadItem = {
        path: LOG_ROOT + local,
        url,
        headers: (f.headers as Record<string, string>) ?? {},
        created_at: nowMs,
        id: "",
        retry_count: 0,
        current: false,
        progress: 0,
        allow_cellular: f.allow_cellular === true,
        priority: typeof f.priority === "number" ? f.priority : 99,
      };
      item.id = await sha1Hex(JSON.stringify(item));
      this.queue.push(item);
      items.push(item);
    }
    return { enqueued: items.length, items, ...(failed.length ? { failed } : {}) };
  }

  list(): UploadItem[] {
    return [...this.current, ...this.queue];
  }

  /** Only queued items can be cancelled; the one uploading finishes. */
  cancel(ids: unknown): Record<string, unknown> {
    const wanted = new Set((Array.isArray(ids) ? ids : [ids]).map(String));
    const before = this.queue.length;
    for (let i = this.queue.length - 1; i >= 0; i--) if (wanted.has(this.queue[i].id)) this.queue.splice(i, 1);
    return before !== this.queue.length ? { success: 1 } : { success: 0, error: "not found" };
  }

  /** The upload threads: run while connected, lowest priority value first, 4 at a time. */
  async pump(connected: () => boolean, threads = 4): Promise<void> {
    const worker = async () => {
      while (connected() && this.queue.length) {
        this.queue.sort((a, b) => a.priority - b.priority);
        const item = this.queue.shift()!;
        item.current = true;
        this.current.push(item);
        let status = 0;
        try {
          const data = this.files.get(item.path.slice(LOG_ROOT.length)) ?? new Uint8Array();
          status = (await this.device.put(item.url, item.headers, data)).status;
        } catch {
          /* network error: retried */
        }
        this.current.splice(this.current.indexOf(item), 1);
        item.current = false;
        if (UPLOAD_DONE.includes(status)) {
          item.progress = 1;
          this.done.push({ path: item.path, status });
        } else if (++item.retry_count < MAX_RETRY_COUNT) {
          this.queue.push(item);
          return; // athenad pauses 10 s before a retry; the next pump picks it up
        }
      }
    };
    await Promise.all(Array.from({ length: threads }, worker));
  }
}

export function deviceMethods(
  device: SimDevice,
  data: SimDeviceData,
  uploads: SimUploadQueue,
  now: () => number,
  onQueued: () => void,
): Dispatcher {
  const enqueue = async (filesData: unknown) => {
    const result = await uploads.enqueue(filesData, now());
    onQueued();
    return result;
  };
  return {
    echo: { args: ["s"], fn: ({ s }) => s },
    getVersion: { args: [], fn: () => data.version },
    getMessage: {
      args: ["service", "timeout"],
      fn: ({ service }) => {
        const make = data.messages[String(service)];
        if (!make) throw new Error("invalid service");
        return { logMonoTime: now() * 1_000_000, valid: true, [String(service)]: make() };
      },
    },
    listDataDirectory: {
      args: ["prefix"],
      fn: ({ prefix = "" }) => [...data.files.keys()].filter((k) => k.startsWith(String(prefix))).sort(),
    },
    uploadFilesToUrls: { args: ["files_data"], fn: ({ files_data }) => enqueue(files_data) },
    uploadFileToUrl: { args: ["fn", "url", "headers"], fn: ({ fn, url, headers }) => enqueue([{ fn, url, headers }]) },
    listUploadQueue: { args: [], fn: () => uploads.list() },
    cancelUpload: { args: ["upload_id"], fn: ({ upload_id }) => uploads.cancel(upload_id) },
    setRouteViewed: { args: ["route"], fn: () => ({ success: 1 }) },
    takeSnapshot: {
      args: [],
      fn: () => ({ jpegBack: data.snapshot ? base64(data.snapshot) : null, jpegFront: null }),
    },
    getPublicKey: { args: [], fn: () => device.keys.publicKeyPem },
    getSshAuthorizedKeys: { args: [], fn: () => "" },
    getGithubUsername: { args: [], fn: () => "" },
    getNetworkType: { args: [], fn: () => 1 },
    getNetworkMetered: { args: [], fn: () => false },
    getSimInfo: {
      args: [],
      fn: () => ({
        sim_id: "",
        mcc_mnc: null,
        network_type: ["Unknown"],
        sim_state: ["ABSENT"],
        data_connected: false,
      }),
    },
  };
}
