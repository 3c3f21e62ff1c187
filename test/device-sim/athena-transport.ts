/**
 * How the simulated athenad reaches the server. Pluggable because the two places it runs differ:
 * - inside workerd (tests) a WebSocket client comes from `fetch(url, { headers: { Upgrade: "websocket" } })`
 *   and `res.webSocket.accept()`, here routed straight into the Worker;
 * - in Node 22 (CLI, benches) the global (undici) WebSocket, which accepts a non-standard `headers` option,
 *   so it can send `Cookie: jwt=…` like websocket-client does.
 */
export interface AthenaSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export interface AthenaSocketEvents {
  message(text: string): void;
  close(code: number, reason: string): void;
  /** PING control frames: the only thing athenad counts as liveness. Not visible through every API. */
  ping?(): void;
}

export class HandshakeError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`websocket handshake failed with ${status}: ${body.slice(0, 200)}`);
  }
}

export type AthenaTransport = (
  url: string,
  headers: Record<string, string>,
  events: AthenaSocketEvents,
) => Promise<AthenaSocket>;

const decoder = new TextDecoder();
const text = (data: unknown) => (typeof data === "string" ? data : decoder.decode(data as ArrayBuffer));

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** workerd: the upgrade is an ordinary fetch; a non-101 answer is a failed handshake (athenad retries). */
export function fetchTransport(doFetch: Fetch): AthenaTransport {
  return async (url, headers, events) => {
    const res = await doFetch(url.replace(/^ws/, "http"), { headers: { ...headers, Upgrade: "websocket" } });
    const ws = res.webSocket;
    if (res.status !== 101 || !ws) throw new HandshakeError(res.status, await res.text());
    ws.accept();
    ws.addEventListener("message", (e) => events.message(text(e.data)));
    ws.addEventListener("close", (e) => {
      try {
        ws.close(e.code === 1005 ? 1000 : e.code, "bye");
      } catch {
        /* already closed */
      }
      events.close(e.code, e.reason);
    });
    ws.addEventListener("error", () => events.close(1006, "error"));
    return { send: (t) => ws.send(t), close: (code, reason) => ws.close(code, reason) };
  };
}

/** Node 22: undici's WebSocket with headers. Resolves once open; rejects if the handshake fails. */
export function nodeTransport(): AthenaTransport {
  return (url, headers, events) =>
    new Promise((resolve, reject) => {
      const Ctor = globalThis.WebSocket as unknown as new (
        url: string,
        init: { headers: Record<string, string> },
      ) => WebSocket;
      const ws = new Ctor(url, { headers });
      ws.binaryType = "arraybuffer";
      let open = false;
      ws.addEventListener("open", () => {
        open = true;
        resolve({ send: (t) => ws.send(t), close: (code, reason) => ws.close(code, reason) });
      });
      ws.addEventListener("message", (e) => events.message(text(e.data)));
      ws.addEventListener("close", (e) => {
        if (!open) reject(new HandshakeError(0, e.reason || "connection failed"));
        else events.close(e.code, e.reason);
      });
      ws.addEventListener("error", () => {
        if (!open) reject(new HandshakeError(0, "connection failed"));
      });
    });
}
