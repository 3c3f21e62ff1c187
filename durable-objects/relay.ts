/**
 * Calls to the device and the matching of its replies. Waiters live in memory: that is safe because a caller's
 * RPC into the DO keeps the object alive until it returns, so no waiter outlives its object. Every call gets a
 * wire id unique inside this object (browsers all send id 0, and the device answers out of order from 4
 * threads); the caller's own id is put back by whoever made the call.
 */
import { wireCall, type RpcId, type RpcReply } from "../worker/protocol/jsonrpc";
import { trySend } from "./sockets";

export type CallResult = { kind: "reply"; reply: RpcReply } | { kind: "timeout" } | { kind: "disconnected" };

interface Waiter {
  connId: string;
  settle: (r: CallResult) => void;
}

export class Relay {
  private readonly waiters = new Map<string, Waiter>();
  // A fresh prefix per object instance: a late reply to a call made before an eviction can never match a new one.
  private readonly prefix = `r${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}.`;
  private counter = 0;

  get inFlight(): number {
    return this.waiters.size;
  }

  /** Sends one call and waits for its reply, the timeout, or the connection closing, whichever is first. */
  async call(ws: WebSocket, connId: string, method: string, params: unknown, timeoutMs: number): Promise<CallResult> {
    const id = `${this.prefix}${++this.counter}`;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const replied = new Promise<CallResult>((resolve) => this.waiters.set(id, { connId, settle: resolve }));
    try {
      if (!trySend(ws, wireCall(method, params, id))) return { kind: "disconnected" };
      const timedOut = new Promise<CallResult>((resolve) => {
        timer = setTimeout(() => resolve({ kind: "timeout" }), timeoutMs);
      });
      return await Promise.race([replied, timedOut]);
    } finally {
      // Never leave a timer pending: it would keep the object from hibernating or being evicted.
      if (timer !== null) clearTimeout(timer);
      this.waiters.delete(id);
    }
  }

  /** Hands a reply frame to its waiter. Returns false when nobody waits for this id (late, or not ours). */
  settle(reply: RpcReply & { id: RpcId }): boolean {
    const waiter = this.waiters.get(String(reply.id));
    if (!waiter) return false;
    waiter.settle({ kind: "reply", reply });
    return true;
  }

  /** The connection closed: its calls will never be answered. */
  dropConnection(connId: string): void {
    for (const waiter of this.waiters.values()) if (waiter.connId === connId) waiter.settle({ kind: "disconnected" });
  }
}
