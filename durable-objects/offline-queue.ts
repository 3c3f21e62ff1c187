/**
 * Calls made while the device was offline, with an `expiry` (unix s). They are delivered in order each time the
 * device connects until it replies or the call expires (at-least-once: a connection can drop between our send
 * and its reply; the device's methods that matter here, uploads and setRouteViewed, are idempotent).
 * Replies are kept for a while so the caller can read them later; expired calls are dropped by the alarm.
 */
import { isRpcId, wireCall, type RpcId, type RpcReply } from "../worker/protocol/jsonrpc";

/** A device offline for weeks should not let one user pile up unbounded work for it. */
export const MAX_OPEN_CALLS = 500;
export const REPLY_RETENTION_S = 7 * 24 * 3600;
export const MAX_KEPT_REPLIES = 200;
const WIRE_PREFIX = "q";

/** `GET /v1/devices/:dongle/athena_offline_queue` rows, in comma's shape. */
export interface QueuedCallView {
  jsonrpc: "2.0";
  method: string;
  params: unknown;
  expiry: number;
  id: RpcId | null;
}

export interface QueuedCallHistory extends QueuedCallView {
  status: "queued" | "sent" | "answered";
  created_at: number;
  sent_at: number | null;
  replied_at: number | null;
  reply: RpcReply | null;
}

type Row = {
  seq: number;
  caller_id: string;
  method: string;
  params: string | null;
  expiry: number;
  created_at: number;
  sent_at: number | null;
  reply: string | null;
  replied_at: number | null;
};

export class QueueFullError extends Error {}

export class OfflineQueue {
  constructor(private readonly sql: SqlStorage) {}

  enqueue(call: { method: string; params?: unknown; callerId: RpcId | null; expiry: number }, nowS: number): number {
    const open = this.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM queued_calls WHERE replied_at IS NULL")
      .one().n;
    if (open >= MAX_OPEN_CALLS)
      throw new QueueFullError(`At most ${MAX_OPEN_CALLS} calls can wait for an offline device`);
    const row = this.sql
      .exec<{ seq: number }>(
        "INSERT INTO queued_calls (caller_id, method, params, expiry, created_at) VALUES (?, ?, ?, ?, ?) RETURNING seq",
        JSON.stringify(call.callerId),
        call.method,
        call.params === undefined ? null : JSON.stringify(call.params),
        call.expiry,
        nowS,
      )
      .one();
    return row.seq;
  }

  /** Calls still to deliver, oldest first, as the frames to send. */
  deliverable(nowS: number): { seq: number; frame: string }[] {
    return this.rows("WHERE replied_at IS NULL AND expiry > ? ORDER BY seq", nowS).map((r) => ({
      seq: r.seq,
      frame: wireCall(r.method, r.params === null ? undefined : JSON.parse(r.params), `${WIRE_PREFIX}${r.seq}`),
    }));
  }

  markSent(seqs: number[], nowS: number): void {
    for (const seq of seqs) this.sql.exec("UPDATE queued_calls SET sent_at = ? WHERE seq = ?", nowS, seq);
  }

  /** Wire ids of queued calls are "q<seq>"; returns the seq, or null for any other id. */
  static seqOf(id: RpcId): number | null {
    const m = typeof id === "string" ? /^q(\d+)$/.exec(id) : null;
    return m ? Number(m[1]) : null;
  }

  /** Stores the device's reply with the caller's id put back. Returns false for an unknown or answered call. */
  recordReply(seq: number, reply: RpcReply, nowS: number): boolean {
    const row = this.rows("WHERE seq = ? AND replied_at IS NULL", seq)[0];
    if (!row) return false;
    const callerId = JSON.parse(row.caller_id) as unknown;
    const stored = { ...reply, id: isRpcId(callerId) ? callerId : null };
    this.sql.exec("UPDATE queued_calls SET reply = ?, replied_at = ? WHERE seq = ?", JSON.stringify(stored), nowS, seq);
    return true;
  }

  /** Drops calls that expired unanswered. */
  expire(nowS: number): number {
    return this.sql.exec("DELETE FROM queued_calls WHERE replied_at IS NULL AND expiry <= ?", nowS).rowsWritten;
  }

  /** Forgets old replies, keeping at most MAX_KEPT_REPLIES. */
  pruneReplies(nowS: number): void {
    this.sql.exec("DELETE FROM queued_calls WHERE replied_at IS NOT NULL AND replied_at < ?", nowS - REPLY_RETENTION_S);
    this.sql.exec(
      `DELETE FROM queued_calls WHERE replied_at IS NOT NULL AND seq NOT IN
         (SELECT seq FROM queued_calls WHERE replied_at IS NOT NULL ORDER BY seq DESC LIMIT ?)`,
      MAX_KEPT_REPLIES,
    );
  }

  /** Unix seconds of the next expiry among open calls. */
  nextExpiry(): number | null {
    return this.sql
      .exec<{ e: number | null }>("SELECT MIN(expiry) AS e FROM queued_calls WHERE replied_at IS NULL")
      .one().e;
  }

  /** Pending calls, in comma's offline-queue shape. */
  pending(nowS: number): QueuedCallView[] {
    return this.rows("WHERE replied_at IS NULL AND expiry > ? ORDER BY seq", nowS).map(view);
  }

  /** Everything still known: pending calls and kept replies, newest first. */
  history(nowS: number): QueuedCallHistory[] {
    return this.rows("WHERE replied_at IS NOT NULL OR expiry > ? ORDER BY seq DESC", nowS).map((r) => ({
      ...view(r),
      status: r.replied_at !== null ? "answered" : r.sent_at !== null ? "sent" : "queued",
      created_at: r.created_at,
      sent_at: r.sent_at,
      replied_at: r.replied_at,
      reply: r.reply === null ? null : (JSON.parse(r.reply) as RpcReply),
    }));
  }

  private rows(where: string, ...bindings: unknown[]): Row[] {
    return this.sql.exec<Row>(`SELECT * FROM queued_calls ${where}`, ...bindings).toArray();
  }
}

function view(r: Row): QueuedCallView {
  return {
    jsonrpc: "2.0",
    method: r.method,
    params: r.params === null ? null : JSON.parse(r.params),
    expiry: r.expiry,
    id: JSON.parse(r.caller_id) as RpcId | null,
  };
}
