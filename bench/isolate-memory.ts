/**
 * Reads a Worker isolate's own memory through the DevTools protocol that `wrangler dev` exposes: V8 heap in
 * use plus ArrayBuffer backing stores (where stream chunks live). That is what the 128 MB isolate limit
 * counts, unlike process RSS, which also holds the runtime's own buffers and freed-but-kept pages.
 */
import WebSocket from "ws";

export class IsolateMemory {
  private nextId = 1;
  private pending = new Map<number, (v: unknown) => void>();

  private constructor(private ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result);
    });
  }

  static async connect(inspectorPort: number): Promise<IsolateMemory> {
    // wrangler's inspector proxy only answers clients that send an Origin.
    const ws = new WebSocket(`ws://127.0.0.1:${inspectorPort}/ws`, { headers: { Origin: "http://127.0.0.1" } });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    return new IsolateMemory(ws);
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (v) => {
        this.pending.delete(id);
        resolve(v as T);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async collectGarbage(): Promise<void> {
    await this.send("HeapProfiler.collectGarbage");
  }

  /** Bytes in use now: V8 heap + ArrayBuffer backing stores (live or not yet collected). */
  async used(): Promise<number> {
    const r = await this.send<{ usedSize: number; backingStorageSize?: number }>("Runtime.getHeapUsage");
    return r.usedSize + (r.backingStorageSize ?? 0);
  }

  close(): void {
    this.ws.close();
  }
}
