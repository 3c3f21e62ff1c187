import { DurableObject } from "cloudflare:workers";

/**
 * One Durable Object per dongle: holds the device's hibernating Athena WebSocket and its command queue.
 * (Filled in by the Athena work; the class exists now so the binding and its SQLite migration are in place.)
 */
export class DeviceObject extends DurableObject<Env> {
  override async fetch(_request: Request): Promise<Response> {
    return Response.json({ error: "not_implemented", message: "Athena is not available yet" }, { status: 501 });
  }
}
