/**
 * The HTTP side of a stock openpilot device, faithful to the source (docs/device-protocol.md §1–4):
 * pilotauth as query parameters on an empty POST, `Authorization: JWT` + `User-Agent: openpilot-<v>`,
 * requests-style encoding of the upload `path`, and the uploader's rule that 200/201/401/403/412 on the PUT
 * all mean "done" (so a server answering 401/403 makes the file silently vanish).
 */
import type { DeviceKeys, KeyKind, PemFlavour } from "./keys";
import { generateDeviceKeys } from "./keys";
import { deviceToken, pairToken, registerToken } from "./tokens";

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface SimDeviceOptions {
  /** API_HOST, e.g. "http://127.0.0.1:8787" (a trailing slash is kept, as openpilot does: it yields "//v2/…"). */
  api: string;
  fetch?: Fetch;
  keys?: DeviceKeys;
  keyKind?: KeyKind;
  pemFlavour?: PemFlavour;
  version?: string;
  serial?: string;
  imei?: string;
  dongleId?: string;
}

export type UploadOutcome = "uploaded" | "ignored" | "failed";
export const UPLOAD_DONE_STATUSES = [200, 201, 401, 403, 412];

export class SimDevice {
  dongleId: string | null;
  readonly version: string;
  readonly serial: string;
  readonly imei: string;
  private readonly doFetch: Fetch;

  private constructor(
    readonly opts: SimDeviceOptions,
    readonly keys: DeviceKeys,
  ) {
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.version = opts.version ?? "0.10.3";
    this.serial = opts.serial ?? `sim${crypto.getRandomValues(new Uint32Array(1))[0].toString(16)}`;
    this.imei = opts.imei ?? "865420000000000";
    this.dongleId = opts.dongleId ?? null;
  }

  static async create(opts: SimDeviceOptions): Promise<SimDevice> {
    return new SimDevice(
      opts,
      opts.keys ?? (await generateDeviceKeys(opts.keyKind ?? "rsa", opts.pemFlavour ?? "spki")),
    );
  }

  get userAgent() {
    return `openpilot-${this.version}`;
  }

  /** api_get(): API_HOST + "/" + endpoint, kwargs as query parameters. */
  url(endpoint: string, params: Record<string, string> = {}): string {
    const qs = new URLSearchParams(params).toString();
    return `${this.opts.api}/${endpoint}${qs ? `?${qs}` : ""}`;
  }

  /** registration.py: one attempt. Returns the HTTP status and the dongle id the device would store. */
  async register(opts: { token?: string } = {}): Promise<{ status: number; dongleId: string | null; body: unknown }> {
    const token = opts.token ?? (await registerToken(this.keys));
    const res = await this.doFetch(
      this.url("v2/pilotauth/", {
        imei: this.imei,
        imei2: "",
        serial: this.serial,
        public_key: this.keys.publicKeyPem,
        register_token: token,
      }),
      { method: "POST", headers: { "User-Agent": this.userAgent } },
    );
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* the device would retry */
    }
    if (res.status === 402 || res.status === 403) return { status: res.status, dongleId: "UnregisteredDevice", body };
    const id = (body as { dongle_id?: string })?.dongle_id ?? null;
    if (id) this.dongleId = id;
    return { status: res.status, dongleId: id, body };
  }

  requireDongle(): string {
    if (!this.dongleId) throw new Error("device is not registered");
    return this.dongleId;
  }

  token(opts: Parameters<typeof deviceToken>[2] = {}) {
    return deviceToken(this.keys, this.requireDongle(), opts);
  }

  pairToken(opts: { expiresIn?: number } = {}) {
    return pairToken(this.keys, this.requireDongle(), opts);
  }

  /** The QR the device shows while unpaired. */
  async pairUrl() {
    return `https://connect.comma.ai/?pair=${await this.pairToken()}`;
  }

  async apiGet(endpoint: string, params: Record<string, string> = {}, init: RequestInit = {}): Promise<Response> {
    return this.doFetch(this.url(endpoint, params), {
      ...init,
      headers: { Authorization: `JWT ${await this.token()}`, "User-Agent": this.userAgent, ...(init.headers ?? {}) },
    });
  }

  /** The prime/pairing poll of the UI (raylib form, no trailing slash). */
  async pollPairing(): Promise<{ status: number; isPaired: boolean; primeType: number | null }> {
    const res = await this.apiGet(`v1.1/devices/${this.requireDongle()}`);
    if (res.status !== 200) return { status: res.status, isPaired: false, primeType: null };
    const body = (await res.json()) as { is_paired?: boolean; prime_type?: number };
    return { status: 200, isPaired: body.is_paired === true, primeType: body.prime_type ?? null };
  }

  /** uploader.py do_upload(): upload_url, then PUT with exactly the returned headers plus Content-Length. */
  async uploadFile(key: string, data: Uint8Array): Promise<{ outcome: UploadOutcome; status: number; url?: string }> {
    const res = await this.apiGet(`v1.4/${this.requireDongle()}/upload_url/`, { path: key });
    if (res.status === 412) return { outcome: "ignored", status: 412 };
    let info: { url?: string; headers?: Record<string, string> };
    try {
      info = (await res.json()) as typeof info;
    } catch {
      return { outcome: "failed", status: res.status };
    }
    if (!info?.url || !info.headers) return { outcome: "failed", status: res.status };
    return { ...(await this.put(info.url, info.headers, data)), url: info.url };
  }

  /** A bare PUT as the uploader and athena's upload threads do it. */
  async put(
    url: string,
    headers: Record<string, string>,
    data: Uint8Array,
  ): Promise<{ outcome: UploadOutcome; status: number }> {
    const put = await this.doFetch(url, {
      method: "PUT",
      body: data,
      headers: { ...headers, "Content-Length": String(data.byteLength), "User-Agent": "python-requests/2.32.3" },
    });
    await put.body?.cancel();
    return { outcome: UPLOAD_DONE_STATUSES.includes(put.status) ? "uploaded" : "failed", status: put.status };
  }
}
