import { app } from "./app";
import type { UploadQueueMessage } from "./protocol/queue-messages";
import { handleUploadQueue } from "./queue/upload-consumer";
import { runScheduled } from "./services/operations/maintenance";

export { DeviceObject } from "../durable-objects/device-object";
export { MetricsObject } from "../durable-objects/metrics-object";

/** Devices built with API_HOST ending in "/" request "//v2/pilotauth/": fold repeated slashes before routing. */
function foldSlashes(request: Request): Request {
  const url = new URL(request.url);
  if (!url.pathname.includes("//")) return request;
  url.pathname = url.pathname.replace(/\/{2,}/g, "/");
  return new Request(url, request);
}

export default {
  fetch: (request, env, ctx) => app.fetch(foldSlashes(request), env, ctx),
  queue: (batch, env, ctx) => handleUploadQueue(batch as MessageBatch<UploadQueueMessage>, env, ctx),
  scheduled: (controller, env, ctx) => ctx.waitUntil(runScheduled(controller, env)),
} satisfies ExportedHandler<Env>;
