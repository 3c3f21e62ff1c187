/**
 * Health endpoints (issue #12 §5). /healthz is liveness and must work with every storage binding gone.
 * /api/v1/health checks D1, R2, the queue and Durable Objects, answers 503 when one fails, leaves nothing behind
 * (no R2 object, no device state in the health DO, a queue probe the consumer drops), and tells anonymous callers
 * no more than "failed" about an error.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import pkg from "../package.json";
import worker from "../worker";
import type { UploadQueueMessage } from "../worker/protocol/queue-messages";
import { HEALTH_DO_NAME, HEALTH_R2_KEY } from "../worker/services/operations/health";
import { createUser, ORIGIN, workerFetch } from "./helpers";

interface Health {
  status: string;
  checks: Record<string, { status: string; latency_ms: number; error?: string }>;
  version: string;
  commit: string;
}

/** The real Worker entry with a changed environment (a deployment missing a binding). */
async function fetchWith(overrides: Partial<Env>, path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(ORIGIN + path, init) as Request<unknown, IncomingRequestCfProperties>;
  return worker.fetch(request, { ...env, ...overrides } as Env, ctx);
}

afterEach(() => vi.restoreAllMocks());

describe("GET /healthz", () => {
  it("answers 200 {status: ok}, also to a browser navigation (not the SPA's index.html)", async () => {
    for (const accept of ["*/*", "text/html,application/xhtml+xml"]) {
      const res = await workerFetch("/healthz", { headers: { Accept: accept, "Sec-Fetch-Mode": "navigate" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      expect(await res.json()).toEqual({ status: "ok" });
    }
  });

  it("touches no storage: it answers with D1, R2, the queue and the DO namespace all missing", async () => {
    const gone = { DB: undefined, MEDIA: undefined, UPLOAD_QUEUE: undefined, DEVICE: undefined } as never;
    const res = await fetchWith(gone, "/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("GET /api/v1/health", () => {
  it("reports every dependency ok, with latencies, the package version and the commit", async () => {
    const res = await workerFetch("/api/v1/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = (await res.json()) as Health;
    expect(body.status).toBe("ok");
    expect(Object.keys(body.checks).sort()).toEqual(["d1", "durable_objects", "queue", "r2"]);
    for (const check of Object.values(body.checks)) {
      expect(check.status).toBe("ok");
      expect(check.latency_ms).toBeGreaterThanOrEqual(0);
      expect(check.error).toBeUndefined();
    }
    expect(body.version).toBe(pkg.version);
    expect(body.commit).toBe("dev"); // wrangler.jsonc's default; deploys pass --var COMMIT:<hash>
  });

  it("reports the deployed commit from the COMMIT var", async () => {
    const res = await fetchWith({ COMMIT: "abc1234" }, "/api/v1/health");
    expect(((await res.json()) as Health).commit).toBe("abc1234");
  });

  it("answers 503 when a check fails, naming only the failed check; anonymous callers learn no internals", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = await fetchWith({ MEDIA: undefined } as never, "/api/v1/health");
    expect(res.status).toBe(503);
    const body = (await res.json()) as Health;
    expect(body.status).toBe("error");
    expect(body.checks.r2).toMatchObject({ status: "error", error: "failed" });
    expect(body.checks.d1.status).toBe("ok");
    expect(body.checks.queue.status).toBe("ok");
    expect(body.checks.durable_objects.status).toBe("ok");
    expect(logged).toHaveBeenCalledWith("health check failed", "r2", expect.any(Error));
  });

  it("gives administrators the error message", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const admin = await createUser(); // the first account of this file's database is the admin
    expect(admin.role).toBe("admin");
    const user = await createUser();
    const asAdmin = (await (
      await fetchWith({ MEDIA: undefined } as never, "/api/v1/health", { headers: admin.auth })
    ).json()) as Health;
    expect(asAdmin.checks.r2.error).not.toBe("failed");
    expect(asAdmin.checks.r2.error).toMatch(/\w/);
    const asUser = (await (
      await fetchWith({ MEDIA: undefined } as never, "/api/v1/health", { headers: user.auth })
    ).json()) as Health;
    expect(asUser.checks.r2.error).toBe("failed");
  });

  it("leaves nothing behind: no R2 object, no device state in the health Durable Object", async () => {
    for (let i = 0; i < 3; i++) expect((await workerFetch("/api/v1/health")).status).toBe(200);
    expect(await env.MEDIA.head(HEALTH_R2_KEY)).toBeNull();
    expect((await env.MEDIA.list({ prefix: "health" })).objects).toEqual([]);
    const stub = env.DEVICE.getByName(HEALTH_DO_NAME);
    const state = await runInDurableObject(stub, (_obj, ctx) => ({
      meta: ctx.storage.sql
        .exec<{ key: string }>("SELECT key FROM meta")
        .toArray()
        .map((r) => r.key),
      timers: ctx.storage.sql.exec("SELECT count(*) AS n FROM timers").one().n,
      queued: ctx.storage.sql.exec("SELECT count(*) AS n FROM queued_calls").one().n,
    }));
    // The object's own schema version, and no remembered dongle ("dongle"), timer or queued call.
    expect(state).toEqual({ meta: ["schema_version"], timers: 0, queued: 0 });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM devices").first("n")).toBe(0);
  });

  it("its queue probe is acked by the consumer without any processing or log line", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    const log = vi.spyOn(console, "log").mockImplementation(capture);
    const error = vi.spyOn(console, "error").mockImplementation(capture);
    try {
      const batch = createMessageBatch("edge-connect-uploads", [
        { id: "h1", timestamp: new Date(), attempts: 1, body: { type: "health" } },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch as MessageBatch<UploadQueueMessage>, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual(["h1"]);
      expect(result.retryMessages).toEqual([]);
      expect(lines.filter((l) => l.includes('"queue_message"'))).toEqual([]);
      // The capture sees the consumer's lines: a malformed message is logged (so the check above can fail).
      const bad = createMessageBatch("edge-connect-uploads", [
        { id: "b1", timestamp: new Date(), attempts: 1, body: { type: "nonsense" } },
      ]);
      await worker.queue(bad as MessageBatch<UploadQueueMessage>, env, createExecutionContext());
      const logged = lines.filter((l) => l.includes('"queue_message"')).map((l) => JSON.parse(l));
      expect(logged).toEqual([expect.objectContaining({ message_id: "b1", kind: "malformed", outcome: "malformed" })]);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });

  it("is documented in the OpenAPI document, /healthz included", async () => {
    const doc = (await (await workerFetch("/api/v1/openapi.json")).json()) as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    };
    expect(Object.keys(doc.paths["/api/v1/health"].get!.responses).sort()).toEqual(["200", "503"]);
    expect(Object.keys(doc.paths["/healthz"].get!.responses)).toEqual(["200"]);
  });
});
