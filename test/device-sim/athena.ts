/**
 * A simulated athenad (openpilot ≤ 0.11.x, system/athena/athenad.py), faithful where a server can get it wrong:
 * - connects to ATHENA_HOST + "/ws/v2/<dongle>" with `Cookie: jwt=<fresh 1 h token>` and nothing else;
 * - ws_recv: every socket read has a 30 s timeout; a read that times out ends the session when the last PING
 *   control frame is more than 70 s old (last_ping starts at the session start). Any frame ends a read, so text
 *   frames keep the session alive without ever counting as a PING;
 * - routes frames by substring ("method" → call, else "id" and "result"/"error" → reply to our own call);
 * - serves calls concurrently (4 handler threads: replies may come back out of order) with json-rpc 1.15 rules;
 * - after an established session ends it reconnects at once; after a failed handshake it sleeps
 *   randrange(0, min(128, 2**retries)) seconds;
 * - sends forwardLogs / storeStats and waits up to 100 s for the reply; uploads run only while connected.
 */
import { syntheticJpeg } from "../fixtures/jpeg";
import { sleep, realClock, type Clock } from "./clock";
import type { SimDevice } from "./device";
import { deviceMethods, defaultMessages, SimUploadQueue, type SimDeviceData } from "./athena-methods";
import { handleCall, type Dispatcher } from "./athena-rpc";
import type { AthenaSocket, AthenaTransport } from "./athena-transport";

export const READ_TIMEOUT_MS = 30_000;
export const RECONNECT_TIMEOUT_MS = 70_000;
export const DEVICE_CALL_TIMEOUT_MS = 100_000;

export interface SimAthenaOptions {
  device: SimDevice;
  /** ATHENA_HOST, e.g. "ws://127.0.0.1:8787" or "wss://edge.test". */
  host: string;
  transport: AthenaTransport;
  clock?: Clock;
  /** Data directory contents, keyed by path relative to the log root ("<route>--<seg>/<file>"). */
  files?: Map<string, Uint8Array>;
  /** Size of the JPEG takeSnapshot returns (base64 in the reply), to exercise large replies. */
  snapshotBytes?: number;
  /** Start uploads as soon as they are queued (default true); otherwise call pumpUploads(). */
  autoUpload?: boolean;
  /** Awaited before the device answers a call: tests hold replies back to reorder or time them out. */
  gate?: (call: { method?: unknown; id?: unknown; params?: unknown }) => Promise<void> | void;
  /** The JWT for the handshake (default: a fresh device token). */
  token?: () => Promise<string>;
  /** random() for the backoff (default Math.random). */
  random?: () => number;
}

export interface SessionClose {
  code: number;
  reason: string;
  at: number;
}

export class SimAthena {
  readonly clock: Clock;
  readonly data: SimDeviceData;
  readonly uploads: SimUploadQueue;
  readonly stats = { connects: 0, failedConnects: 0, readTimeouts: 0, callsServed: 0 };
  /** Every frame received from the server, raw. */
  readonly received: string[] = [];
  /** Every frame sent to the server, raw. */
  readonly sent: string[] = [];
  readonly closes: SessionClose[] = [];
  lastError: unknown = null;

  private readonly dispatcher: Dispatcher;
  private socket: AthenaSocket | null = null;
  private lastPing = 0;
  private readTimer: unknown = null;
  private sessionEnded: (() => void) | null = null;
  private readonly deviceCalls = new Map<
    string,
    { resolve: (reply: unknown) => void; reject: (err: Error) => void; timer: unknown }
  >();
  private logIndex = 0;
  private pumping: Promise<void> | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;

  constructor(readonly opts: SimAthenaOptions) {
    this.clock = opts.clock ?? realClock;
    const files = opts.files ?? sampleFiles();
    this.data = {
      files,
      snapshot: syntheticJpeg(opts.snapshotBytes ?? 2048),
      version: {
        version: opts.device.version,
        remote: "github.com/commaai/openpilot",
        branch: "release3",
        commit: "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed",
      },
      messages: defaultMessages(() => this.clock.now()),
    };
    this.uploads = new SimUploadQueue(opts.device, files);
    this.dispatcher = deviceMethods(
      opts.device,
      this.data,
      this.uploads,
      () => this.clock.now(),
      () => this.kickUploads(),
    );
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  /** Sessions after the first: what a reconnect costs on a real device is every on-demand upload restarting. */
  get reconnects(): number {
    return Math.max(0, this.stats.connects - 1);
  }

  get url(): string {
    return `${this.opts.host.replace(/\/+$/, "")}/ws/v2/${this.opts.device.requireDongle()}`;
  }

  /** One create_connection(). Resolves once the session is up; throws (HandshakeError) if refused. */
  async connect(): Promise<void> {
    const token = await (this.opts.token?.() ?? this.opts.device.token());
    // Events of an older socket (a late close, say) must not touch the session that replaced it.
    const session: { socket?: AthenaSocket } = {};
    const current = () => session.socket !== undefined && this.socket === session.socket;
    const socket = await this.opts.transport(
      this.url,
      { Cookie: `jwt=${token}` },
      {
        message: (text) => {
          if (current()) this.onFrame(text);
        },
        close: (code, reason) => {
          if (current()) this.endSession({ code, reason });
        },
        ping: () => {
          if (current()) this.lastPing = this.clock.now();
        },
      },
    );
    session.socket = socket;
    this.socket = socket;
    this.stats.connects++;
    this.lastPing = this.clock.now(); // ws_recv starts with last_ping = now
    this.armRead();
    if (this.opts.autoUpload !== false) this.kickUploads();
  }

  /** athenad's main loop, until stop(). */
  start(): void {
    this.stopped = false;
    this.loop ??= this.run().finally(() => {
      this.loop = null;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.endSession({ code: 1000, reason: "stopped" }, true);
    await this.loop;
  }

  /** Resolves when a session is up (polling the clock-independent state). */
  async waitConnected(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.connected) {
      if (Date.now() > deadline) throw new Error(`athena did not connect: ${String(this.lastError)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async run(): Promise<void> {
    let retries = 0;
    while (!this.stopped) {
      try {
        if (!this.connected) await this.connect(); // a test may have connected by hand first
        retries = 0;
        await new Promise<void>((resolve) => {
          this.sessionEnded = resolve;
          if (!this.connected) resolve();
        });
      } catch (err) {
        this.lastError = err;
        this.stats.failedConnects++;
        retries++;
      }
      if (this.stopped) break;
      const random = this.opts.random ?? Math.random;
      await sleep(this.clock, Math.floor(random() * Math.min(128, 2 ** retries)) * 1000);
    }
  }

  private endSession(close: { code: number; reason: string }, sendClose = false): void {
    if (!this.socket) return;
    const socket = this.socket;
    this.socket = null;
    this.clock.clearTimeout(this.readTimer);
    this.closes.push({ ...close, at: this.clock.now() });
    if (sendClose) {
      try {
        socket.close(1000, close.reason);
      } catch {
        /* gone */
      }
    }
    for (const [id, call] of this.deviceCalls) {
      this.clock.clearTimeout(call.timer);
      call.reject(new Error("connection closed"));
      this.deviceCalls.delete(id);
    }
    this.sessionEnded?.();
    this.sessionEnded = null;
  }

  /** ws_recv: a read returning any frame re-arms the 30 s timeout; only PINGs move last_ping. */
  private armRead(): void {
    this.clock.clearTimeout(this.readTimer);
    this.readTimer = this.clock.setTimeout(() => this.readTimedOut(), READ_TIMEOUT_MS);
  }

  private readTimedOut(): void {
    if (!this.socket) return;
    this.stats.readTimeouts++;
    if (this.clock.now() - this.lastPing > RECONNECT_TIMEOUT_MS)
      this.endSession({ code: 1000, reason: "athenad.ws_recv.timeout" }, true);
    else this.armRead();
  }

  private onFrame(text: string): void {
    if (!this.socket) return;
    this.received.push(text);
    this.armRead();
    // jsonrpc_handler's routing, by substring on the raw text (≤ 0.11.x).
    if (text.includes("method")) void this.serve(text);
    else if (text.includes("id") && (text.includes("result") || text.includes("error"))) this.onReply(text);
  }

  private async serve(text: string): Promise<void> {
    let call: { method?: unknown; id?: unknown; params?: unknown } = {};
    try {
      call = JSON.parse(text);
    } catch {
      /* handleCall answers Parse error */
    }
    await this.opts.gate?.(call);
    const reply = await handleCall(text, this.dispatcher);
    this.stats.callsServed++;
    this.send(reply);
  }

  private onReply(text: string): void {
    let reply: { id?: unknown };
    try {
      reply = JSON.parse(text);
    } catch {
      return;
    }
    const call = this.deviceCalls.get(String(reply.id));
    if (!call) return;
    this.deviceCalls.delete(String(reply.id));
    this.clock.clearTimeout(call.timer);
    call.resolve(reply);
  }

  /** Sends a raw frame (tests use it for garbage). Returns false when not connected. */
  send(text: string): boolean {
    if (!this.socket) return false;
    this.sent.push(text);
    try {
      this.socket.send(text);
      return true;
    } catch {
      return false;
    }
  }

  /** A device-initiated call, keys in athenad's order; resolves with the server's reply. */
  callServer(method: string, params: unknown, id: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.deviceCalls.delete(id);
        reject(new Error(`${method} ${id}: no reply within ${DEVICE_CALL_TIMEOUT_MS} ms`));
      }, DEVICE_CALL_TIMEOUT_MS);
      this.deviceCalls.set(id, { resolve: resolve as (r: unknown) => void, reject, timer });
      if (!this.send(JSON.stringify({ method, params, jsonrpc: "2.0", id }))) {
        this.clock.clearTimeout(timer);
        this.deviceCalls.delete(id);
        reject(new Error("not connected"));
      }
    });
  }

  /** log_handler: one swaglog file, id = its file name. */
  forwardLogs(
    logs = sampleSwaglog(this.opts.device, this.clock.now()),
    id = `swaglog.${String(++this.logIndex).padStart(10, "0")}`,
  ) {
    return this.callServer("forwardLogs", { logs }, id);
  }

  /** stat_handler: one stats file, id = <boot uid>_<index>. */
  storeStats(stats = sampleStats(this.opts.device, this.clock.now()), id = `a1b2c3d4_${++this.logIndex}`) {
    return this.callServer("storeStats", { stats }, id);
  }

  /** Runs the upload threads now; resolves when the queue is empty (or the session ended). */
  pumpUploads(): Promise<void> {
    this.pumping ??= this.uploads
      .pump(() => this.connected)
      .finally(() => {
        this.pumping = null;
      });
    return this.pumping;
  }

  private kickUploads(): void {
    if (this.opts.autoUpload !== false && this.connected) void this.pumpUploads();
  }
}

/** Two segments of a drive, with the files a web app can ask for on demand. */
export function sampleFiles(route = "0000002a--0123456789"): Map<string, Uint8Array> {
  const enc = new TextEncoder();
  const files = new Map<string, Uint8Array>();
  for (const seg of [0, 1]) {
    for (const name of ["rlog.zst", "qlog.zst", "qcamera.ts", "fcamera.hevc"])
      files.set(`${route}--${seg}/${name}`, enc.encode(`${name} of ${route}--${seg}`));
  }
  files.set("boot/0000002a--0123456789.zst", enc.encode("boot log"));
  return files;
}

/** SwagLogFileFormatter lines: NDJSON, typed msg keys, ctx with the device's identity. */
export function sampleSwaglog(device: SimDevice, nowMs: number, lines = 5): string {
  const ctx = {
    dongle_id: device.dongleId,
    version: device.version,
    branch: "release3",
    commit: "f00dfeed",
    device: "tici",
  };
  return (
    Array.from({ length: lines }, (_, i) =>
      JSON.stringify({
        ctx,
        level: "INFO",
        levelnum: 20,
        name: "swaglog",
        filename: "athenad.py",
        lineno: 100 + i,
        module: "athenad",
        funcName: "ws_manage",
        host: "comma-sim",
        process: 1234,
        thread: 5678,
        threadName: "MainThread",
        created: nowMs / 1000 + i,
        msg$s: `sim log line ${i}`,
        id: crypto.randomUUID().replace(/-/g, ""),
      }),
    ).join("\n") + "\n"
  );
}

export function sampleStats(device: SimDevice, nowMs: number): string {
  const tags = `started=False,version=${device.version},branch=release3,dirty=False,origin=github.com/commaai/openpilot,deviceType=tici`;
  return `gauge.free_space_percent,${tags} value=81.5,dongle_id="${device.dongleId}" ${nowMs * 1_000_000}\n`;
}
