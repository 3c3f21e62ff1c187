/**
 * One Durable Object per dongle (binding DEVICE, SQLite-backed): holds the device's hibernating athena socket
 * and the browsers watching it, keeps the device connected, relays JSON-RPC to it, queues calls while it is
 * offline and answers its own calls. The Worker authenticates everyone before forwarding here
 * (worker/api/athena.ts); the role it decided arrives in internal headers no client can reach.
 *
 * Nothing that must survive lives only in memory: socket state is in attachments, queue/timers/log index in
 * SQLite. The only in-memory state is the waiters of calls in flight, whose callers keep the object awake.
 */
import { DurableObject } from "cloudflare:workers";
import { flushMetrics, recordAthena } from "../worker/observability/metrics";
import { classifyDeviceFrame, type RpcId, type RpcReply } from "../worker/protocol/jsonrpc";
import { adoptDevice } from "./adoption";
import { CONNECT_HEADERS, type AthenaStatus, type ConnectRole, type RelayOutcome, type RelayRequest } from "./contract";
import { answerDeviceCall } from "./device-calls";
import { DeviceLogs, type LogEntry, type LogKind } from "./device-logs";
import { isDead, isKeepaliveId, KEEPALIVE_INTERVAL_MS, keepaliveFrame } from "./keepalive";
import { broadcast, LIVE_POLL_MS, pollLiveState, type StatusEvent } from "./live";
import { OfflineQueue, QueueFullError, type QueuedCallHistory, type QueuedCallView } from "./offline-queue";
import { Presence } from "./presence";
import { Relay } from "./relay";
import {
  attachmentOf,
  DEVICE_TAG,
  deviceAttachment,
  openDeviceSocket,
  openViewers,
  tryClose,
  trySend,
  VIEWER_TAG,
  type DeviceAttachment,
  type DeviceSocketState,
} from "./sockets";
import { Meta, migrate } from "./storage";
import { Timers } from "./timers";

const nowSeconds = () => Math.floor(Date.now() / 1000);
const socketStates: Record<Exclude<ConnectRole, "viewer">, DeviceSocketState> = {
  device: "online",
  pending: "pending",
  adopt: "adopting",
};

export class DeviceObject extends DurableObject<Env> {
  private readonly meta: Meta;
  private readonly timers: Timers;
  private readonly queue: OfflineQueue;
  private readonly logs: DeviceLogs;
  private readonly presence: Presence;
  private readonly relay = new Relay();
  /** Connections already handled as gone (we close dead sockets ourselves; the close event may follow). */
  private readonly goneConns = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage.sql);
    this.meta = new Meta(ctx.storage.sql);
    this.timers = new Timers(ctx.storage.sql, ctx.storage);
    this.queue = new OfflineQueue(ctx.storage.sql);
    this.logs = new DeviceLogs(ctx.storage.sql, env.MEDIA);
    this.presence = new Presence(env, this.meta);
  }

  // ---- sockets -------------------------------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: "upgrade_required", message: "Expected a WebSocket upgrade" }, { status: 426 });
    }
    const role = request.headers.get(CONNECT_HEADERS.role) as ConnectRole | null;
    const dongleId = request.headers.get(CONNECT_HEADERS.dongle);
    if (!role || !dongleId)
      return Response.json({ error: "bad_request", message: "Missing routing headers" }, { status: 400 });
    this.remember(dongleId);
    const [client, server] = Object.values(new WebSocketPair());
    if (role === "viewer") await this.acceptViewer(server, request.headers.get(CONNECT_HEADERS.user) ?? "");
    else await this.acceptDevice(server, socketStates[role], request.headers.get(CONNECT_HEADERS.token) ?? "");
    return new Response(null, { status: 101, webSocket: client });
  }

  private async acceptDevice(ws: WebSocket, state: DeviceSocketState, token: string): Promise<void> {
    const now = Date.now();
    // One device socket per dongle: a reconnecting device's old socket may linger half-open.
    for (const old of this.ctx.getWebSockets(DEVICE_TAG)) {
      const att = deviceAttachment(old);
      if (att) this.relay.dropConnection(att.connId);
      tryClose(old, 4000, "replaced by a newer connection");
    }
    this.ctx.acceptWebSocket(ws, [DEVICE_TAG]);
    const att: DeviceAttachment = {
      role: "device",
      state,
      connId: crypto.randomUUID(),
      connectedAt: now,
      lastFrameAt: now,
      keepaliveAt: now + KEEPALIVE_INTERVAL_MS,
    };
    ws.serializeAttachment(att);
    this.metric("connect", state);
    if (state === "online") {
      await this.presence.connected(this.dongleId, nowSeconds());
      this.deliverQueued(ws);
      broadcast(this.ctx, this.statusEvent());
      if (openViewers(this.ctx).length) this.timers.set("live-poll", now);
    } else if (state === "adopting") {
      this.ctx.waitUntil(this.runAdoption(ws, att.connId, token));
    }
    await this.rearm();
  }

  private async acceptViewer(ws: WebSocket, userId: string): Promise<void> {
    this.ctx.acceptWebSocket(ws, [VIEWER_TAG]);
    ws.serializeAttachment({ role: "viewer", userId, since: Date.now() });
    trySend(ws, JSON.stringify(this.statusEvent()));
    if (this.onlineDevice() && this.timers.dueAt("live-poll") === null) {
      this.timers.set("live-poll", Date.now());
      await this.rearm();
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      const att = attachmentOf(ws);
      if (att?.role !== "device") return; // viewers only listen
      const now = Date.now();
      ws.serializeAttachment({ ...att, lastFrameAt: now } satisfies DeviceAttachment);
      if (att.state === "online") await this.presence.heard(this.dongleId, Math.floor(now / 1000));
      const frame = classifyDeviceFrame(message);
      if (frame.kind === "reply") this.onReply(frame.reply);
      else if (frame.kind === "call") {
        const reply = await answerDeviceCall(frame.call, {
          dongleId: this.dongleId,
          logs: this.logs,
          trusted: att.state === "online",
          nowS: nowSeconds(),
        });
        trySend(ws, reply);
      } else if (frame.kind === "bare-error")
        console.warn("athena: device error without id", this.dongleId, JSON.stringify(frame.error).slice(0, 500));
      else console.warn("athena: ignored frame from device", this.dongleId, frame.reason);
    } catch (err) {
      // A bad frame must never take the object (and with it the socket) down.
      console.error("athena: handling a device frame failed", this.dongleId, err);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    tryClose(ws, code, reason); // completes the close handshake (compat dates before web_socket_auto_reply_to_close)
    await this.socketGone(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.socketGone(ws);
  }

  private async socketGone(ws: WebSocket): Promise<void> {
    const att = attachmentOf(ws);
    if (att?.role === "viewer") {
      if (!openViewers(this.ctx, ws).length) {
        this.timers.clear("live-poll");
        await this.rearm();
      }
      return;
    }
    if (att?.role !== "device" || this.goneConns.has(att.connId)) return;
    this.goneConns.add(att.connId);
    this.metric("disconnect", att.state);
    this.relay.dropConnection(att.connId);
    if (openDeviceSocket(this.ctx, ws)) return; // replaced: the newer socket owns presence and timers
    this.timers.clear("live-poll");
    await this.rearm(ws); // the gone socket's keepalive goes with it
    if (att.state === "online") {
      await this.presence.disconnected(this.dongleId, Math.floor(att.lastFrameAt / 1000));
      broadcast(this.ctx, { type: "status", online: false, connected_at: null, last_frame_at: att.lastFrameAt });
    }
  }

  private onReply(reply: RpcReply & { id: RpcId }): void {
    if (this.relay.settle(reply)) return;
    const seq = OfflineQueue.seqOf(reply.id);
    if (seq !== null) {
      this.queue.recordReply(seq, reply, nowSeconds());
      return;
    }
    if (isKeepaliveId(reply.id)) return;
    console.warn("athena: reply nobody waits for (timed out?)", this.dongleId, String(reply.id).slice(0, 80));
  }

  private async runAdoption(ws: WebSocket, connId: string, token: string): Promise<void> {
    const outcome = await adoptDevice(
      this.env,
      this.dongleId,
      token,
      (m, p, t) => this.relay.call(ws, connId, m, p, t),
      nowSeconds(),
    ).catch((err) => ({ ok: false as const, reason: `adoption failed: ${err}` }));
    const att = deviceAttachment(ws);
    if (!att || att.connId !== connId || ws.readyState !== WebSocket.OPEN) return;
    if (outcome.ok) ws.serializeAttachment({ ...att, state: "pending" } satisfies DeviceAttachment);
    else {
      console.warn("athena: adoption refused", this.dongleId, outcome.reason);
      tryClose(ws, 4003, outcome.reason);
      await this.socketGone(ws);
    }
  }

  // ---- alarm ---------------------------------------------------------------------------------------------

  override async alarm(): Promise<void> {
    const device = this.deviceSocket();
    const { taken, horizon } = this.timers.takeDue(Date.now(), device?.att.keepaliveAt ?? null);
    try {
      if (!device) await this.repairPresence();
      else if (device.att.keepaliveAt <= horizon) await this.keepalive(device.ws, device.att);
      for (const { name } of taken) {
        try {
          if (name === "queue-expiry") this.expireQueue();
          else if (name === "live-poll") await this.livePoll();
        } catch (err) {
          console.error("athena: timer failed", name, this.dongleId, err);
        }
      }
    } catch (err) {
      console.error("athena: keepalive failed", this.dongleId, err);
    } finally {
      this.timers.dropTaken(taken); // before rearm: a timer that failed is dropped, not retried in a loop
      await this.rearm();
    }
  }

  /**
   * A deploy drops every socket without a close event, and the keepalive's alarm (kept in storage) is where we
   * notice: D1 still says online, no socket is left. The socket was last known alive when the previous keepalive went
   * out on it: that is its "last seen".
   */
  private async repairPresence(): Promise<void> {
    if (!this.presence.markedOnline) return;
    await this.presence.disconnected(this.dongleId, Math.floor((Date.now() - KEEPALIVE_INTERVAL_MS) / 1000));
  }

  private async keepalive(ws: WebSocket, att: DeviceAttachment): Promise<void> {
    const now = Date.now();
    if (isDead(att, now)) {
      tryClose(ws, 4001, "no reply to keepalive");
      await this.socketGone(ws);
      return;
    }
    trySend(ws, keepaliveFrame(now));
    ws.serializeAttachment({ ...att, keepaliveAt: now + KEEPALIVE_INTERVAL_MS } satisfies DeviceAttachment);
  }

  private expireQueue(): void {
    const now = nowSeconds();
    this.queue.expire(now);
    this.queue.pruneReplies(now);
    this.scheduleExpiry();
  }

  private scheduleExpiry(): void {
    const next = this.queue.nextExpiry();
    if (next === null) this.timers.clear("queue-expiry");
    else this.timers.set("queue-expiry", next * 1000);
  }

  private async livePoll(): Promise<void> {
    const device = this.onlineDevice();
    if (!device || !openViewers(this.ctx).length) return; // stops polling: nobody re-arms the timer
    await pollLiveState(this.ctx, (m, p, t) => this.relay.call(device.ws, device.att.connId, m, p, t));
    if (openViewers(this.ctx).length && this.onlineDevice()) this.timers.set("live-poll", Date.now() + LIVE_POLL_MS);
  }

  // ---- RPC from the Worker -------------------------------------------------------------------------------

  async relayCall(req: RelayRequest): Promise<RelayOutcome> {
    const started = performance.now();
    const outcome = await this.relayCallUnmeasured(req);
    this.metric("rpc", outcome.kind, performance.now() - started);
    return outcome;
  }

  /** Athena events for Analytics Engine and the admin summary (worker/observability/metrics.ts). */
  private metric(event: "connect" | "disconnect" | "rpc", outcome: string, durationMs = 0): void {
    recordAthena(this.env, event, outcome, durationMs);
    flushMetrics(this.env, (p) => this.ctx.waitUntil(p));
  }

  private async relayCallUnmeasured(req: RelayRequest): Promise<RelayOutcome> {
    this.remember(req.dongleId);
    const device = this.onlineDevice();
    if (!device) {
      const now = nowSeconds();
      if (req.expiry === null || req.expiry <= now) return { kind: "offline" };
      try {
        this.queue.enqueue({ method: req.method, params: req.params, callerId: req.callerId, expiry: req.expiry }, now);
      } catch (err) {
        if (err instanceof QueueFullError) return { kind: "queue-full", message: err.message };
        throw err;
      }
      this.scheduleExpiry();
      await this.rearm();
      return { kind: "queued" };
    }
    const result = await this.relay.call(device.ws, device.att.connId, req.method, req.params, req.timeoutMs);
    if (result.kind !== "reply") return result;
    return { kind: "reply", body: JSON.stringify({ ...result.reply, id: req.callerId }) };
  }

  offlineQueue(dongleId: string): QueuedCallView[] {
    this.remember(dongleId);
    return this.queue.pending(nowSeconds());
  }

  queueHistory(dongleId: string): QueuedCallHistory[] {
    this.remember(dongleId);
    return this.queue.history(nowSeconds());
  }

  /** Health check (worker/services/operations/health.ts): proves the namespace answers; remembers no dongle, writes nothing. */
  ping(): number {
    return Date.now();
  }

  status(dongleId: string): AthenaStatus {
    this.remember(dongleId);
    const ws = openDeviceSocket(this.ctx);
    const att = ws && deviceAttachment(ws);
    return {
      ...this.statusEvent(),
      socket_state: att?.state ?? null,
      viewers: openViewers(this.ctx).length,
      queued: this.queue.pending(nowSeconds()).length,
    };
  }

  async listLogs(dongleId: string, kind: LogKind | null, limit: number): Promise<LogEntry[]> {
    this.remember(dongleId);
    return this.logs.list(kind, limit, nowSeconds());
  }

  locateLog(id: number): (LogEntry & { r2Key: string }) | null {
    return this.logs.locate(id);
  }

  /** Used by adoption decisions: the device reconnects at once and is then judged by its new standing. */
  async closeDeviceSocket(code: number, reason: string): Promise<boolean> {
    const ws = openDeviceSocket(this.ctx);
    if (!ws) return false;
    tryClose(ws, code, reason);
    await this.socketGone(ws);
    return true;
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  private dongle: string | null = null;

  /** The object's name is its dongle id; read once per wake (socket events do not carry it). */
  private get dongleId(): string {
    this.dongle ??= this.meta.get("dongle") ?? "";
    return this.dongle;
  }

  /** Every entry point from the Worker passes the dongle id, so log keys and D1 writes can use it later. */
  private remember(dongleId: string): void {
    if (this.dongleId !== dongleId) this.meta.set("dongle", dongleId);
    this.dongle = dongleId;
  }

  /** Arms the alarm for the earliest timer or the device socket's keepalive (`except`: a socket being dropped). */
  private rearm(except?: WebSocket): Promise<void> {
    const ws = openDeviceSocket(this.ctx, except);
    return this.timers.rearm((ws && deviceAttachment(ws)?.keepaliveAt) ?? null);
  }

  /** The device's open socket in any state (online, adopting, pending): every one of them gets keepalives. */
  private deviceSocket(): { ws: WebSocket; att: DeviceAttachment } | null {
    const ws = openDeviceSocket(this.ctx);
    const att = ws && deviceAttachment(ws);
    return ws && att ? { ws, att } : null;
  }

  private onlineDevice(): { ws: WebSocket; att: DeviceAttachment } | null {
    const ws = openDeviceSocket(this.ctx);
    const att = ws && deviceAttachment(ws);
    return ws && att?.state === "online" ? { ws, att } : null;
  }

  private statusEvent(): StatusEvent {
    const device = this.onlineDevice();
    return {
      type: "status",
      online: device !== null,
      connected_at: device?.att.connectedAt ?? null,
      last_frame_at: device?.att.lastFrameAt ?? null,
    };
  }

  private deliverQueued(ws: WebSocket): void {
    const now = nowSeconds();
    const sent: number[] = [];
    for (const { seq, frame } of this.queue.deliverable(now)) if (trySend(ws, frame)) sent.push(seq);
    this.queue.markSent(sent, now);
    this.queue.pruneReplies(now);
  }
}
