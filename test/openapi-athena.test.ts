/**
 * The athena routes are plain Hono routes, documented separately (worker/api/athena-openapi.ts): nothing ties
 * the document to the handlers at run time, so this checks both ends. The document must list every operation
 * with its status codes, and real answers must parse with the very schemas the document was generated from
 * (strictly: a field the handlers return but the document does not mention fails too).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ErrorSchema, z } from "../worker/http/openapi";
import {
  AthenaStatus,
  DeviceLogEntry,
  JsonRpcResponse,
  OfflineQueued,
  PendingDevice,
  QueuedCall,
  QueuedCallStatus,
} from "../worker/api/athena-schemas";
import { adminFirst, connectedDevice, pairedOwner, relay, simAthena, waitFor } from "./athena-helpers";
import { newDevice, registeredDevice, workerFetch, type TestUser } from "./helpers";

let admin: TestUser;
beforeAll(async () => {
  admin = await adminFirst();
});

interface Operation {
  tags: string[];
  security: Record<string, string[]>[];
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
    securitySchemes: Record<string, unknown>;
  };
}

const openapi = async () => (await (await workerFetch("/api/v1/openapi.json")).json()) as Doc;
const RELAY_CODES = ["200", "202", "400", "401", "403", "404", "429", "502", "504"];
// comma's path answers device failures (offline, timeout, disconnect) as JSON-RPC errors on 200.
const COMMA_RELAY_CODES = ["200", "202", "400", "401", "403", "404", "429"];

/** method, path, tag, the status codes the handler can answer with. */
const OPERATIONS: [string, string, string, string[]][] = [
  ["post", "/api/v1/devices/{dongle_id}/athena", "athena", RELAY_CODES],
  ["get", "/api/v1/devices/{dongle_id}/athena", "athena", ["200", "401", "404"]],
  ["get", "/api/v1/devices/{dongle_id}/athena/queue", "athena", ["200", "401", "404"]],
  ["get", "/api/v1/devices/{dongle_id}/live", "athena", ["101", "401", "404", "426"]],
  ["get", "/api/v1/devices/{dongle_id}/logs", "admin", ["200", "400", "401", "403", "404"]],
  ["get", "/api/v1/devices/{dongle_id}/logs/{id}", "admin", ["200", "401", "403", "404"]],
  ["get", "/api/v1/admin/pending-devices", "admin", ["200", "401", "403"]],
  ["post", "/api/v1/admin/pending-devices/{dongle_id}/approve", "admin", ["200", "401", "403", "404", "409"]],
  ["post", "/api/v1/admin/pending-devices/{dongle_id}/reject", "admin", ["200", "401", "403", "404"]],
  ["post", "/{dongle_id}", "comma-compatible", COMMA_RELAY_CODES],
  ["get", "/v1/devices/{dongle_id}/athena_offline_queue", "comma-compatible", ["200", "401", "404"]],
];

const ref = (op: Operation, status: string) => op.responses[status]?.content?.["application/json"]?.schema.$ref;

async function get(path: string, user: TestUser) {
  const res = await workerFetch(path, { headers: user.auth });
  expect(res.status, path).toBe(200);
  return res.json();
}

describe("athena in /api/v1/openapi.json", () => {
  it("lists every athena operation with its status codes, tag, security and {error, message} errors", async () => {
    const doc = await openapi();
    for (const [method, path, tag, codes] of OPERATIONS) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(codes));
      expect(op.tags).toEqual([tag]);
      expect(op.security).toContainEqual({ jwt: [] });
      for (const code of codes.filter((c) => Number(c) >= 400))
        expect(ref(op, code), `${method} ${path} ${code}`).toBe("#/components/schemas/Error");
    }
    const relayOp = doc.paths["/api/v1/devices/{dongle_id}/athena"].post;
    expect(ref(relayOp, "200")).toBe("#/components/schemas/JsonRpcResponse");
    expect(ref(relayOp, "202")).toBe("#/components/schemas/AthenaQueuedResult");
    expect(relayOp.responses["404"].description).toContain("device_offline");
    expect(relayOp.responses["504"].description).toContain("device_timeout");
    const commaRelayOp = doc.paths["/{dongle_id}"].post;
    expect(Object.keys(commaRelayOp.responses)).not.toContain("504");
    expect(commaRelayOp.responses["200"].description).toContain("device_offline");
    expect(ref(doc.paths["/api/v1/devices/{dongle_id}/athena"].get, "200")).toBe("#/components/schemas/AthenaStatus");
    // Browsers open the live socket with ?token=: documented as a second way to authenticate.
    expect(doc.paths["/api/v1/devices/{dongle_id}/live"].get.security).toContainEqual({ jwt_query: [] });
    expect(doc.components.securitySchemes).toHaveProperty("jwt_query");
    expect(doc.components.schemas).toHaveProperty("AthenaLiveEvent");
    // A nullable named schema must come out as anyOf [$ref, null]; zod-to-openapi's allOf form would refuse null.
    const history = doc.components.schemas.AthenaQueuedCallStatus as unknown as {
      allOf: { properties?: Record<string, { anyOf?: unknown[] }> }[];
    };
    expect(history.allOf[1].properties!.reply.anyOf).toEqual([
      { $ref: "#/components/schemas/JsonRpcResponse" },
      { type: "null" },
    ]);
  });

  it("the status endpoint answers exactly the documented AthenaStatus, offline and online", async () => {
    const doc = await openapi();
    const documented = doc.components.schemas.AthenaStatus;
    const offline = await registeredDevice();
    const offlineOwner = await pairedOwner(offline);
    const idle = await get(`/api/v1/devices/${offline.dongleId}/athena`, offlineOwner);
    expect(AthenaStatus.strict().parse(idle)).toMatchObject({ online: false, socket_state: null });

    const { device, dongle, sim } = await connectedDevice();
    const owner = await pairedOwner(device);
    const live = await get(`/api/v1/devices/${dongle}/athena`, owner);
    expect(AthenaStatus.strict().parse(live)).toMatchObject({ online: true, socket_state: "online" });
    // The generated JSON Schema itself names exactly the fields the handler returns, all of them required.
    expect(Object.keys(documented.properties!).sort()).toEqual(Object.keys(live as object).sort());
    expect([...documented.required!].sort()).toEqual(Object.keys(live as object).sort());
    await sim.stop();
  });

  it("the relay's 200, 202 and 404 device_offline, and both queue views, parse with their documented schemas", async () => {
    const { device, dongle, sim } = await connectedDevice();
    const owner = await pairedOwner(device);
    const reply = await relay(
      dongle,
      owner.auth,
      { jsonrpc: "2.0", method: "echo", params: ["hi"], id: 7 },
      { path: `/api/v1/devices/${dongle}/athena` },
    );
    expect(reply.status).toBe(200);
    expect(JsonRpcResponse.strict().parse(await reply.json())).toEqual({ jsonrpc: "2.0", id: 7, result: "hi" });
    await sim.stop();
    await waitFor(async () =>
      expect(((await get(`/api/v1/devices/${dongle}/athena`, owner)) as { online: boolean }).online).toBe(false),
    );

    const offline = await relay(
      dongle,
      owner.auth,
      { jsonrpc: "2.0", method: "getVersion", id: 0 },
      { path: `/api/v1/devices/${dongle}/athena` },
    );
    expect(offline.status).toBe(404);
    expect(ErrorSchema.strict().parse(await offline.json())).toEqual({
      error: "device_offline",
      message: "Device not connected",
    });
    const commaOffline = await relay(dongle, owner.auth, { jsonrpc: "2.0", method: "getVersion", id: 0 });
    expect(commaOffline.status).toBe(200);
    expect(JsonRpcResponse.strict().parse(await commaOffline.json())).toMatchObject({
      id: 0,
      error: { code: -32001, data: { error: "device_offline" } },
    });

    const expiry = Math.floor(Date.now() / 1000) + 3600;
    const queued = await relay(
      dongle,
      owner.auth,
      { jsonrpc: "2.0", method: "getVersion", id: "q", expiry },
      { path: `/api/v1/devices/${dongle}/athena` },
    );
    expect(queued.status).toBe(202);
    OfflineQueued.strict().parse(await queued.json());
    expect(
      z.array(QueuedCall.strict()).parse(await get(`/v1/devices/${dongle}/athena_offline_queue`, owner)),
    ).toHaveLength(1);
    expect(
      z.array(QueuedCallStatus.strict()).parse(await get(`/api/v1/devices/${dongle}/athena/queue`, owner)),
    ).toMatchObject([{ status: "queued", reply: null }]);

    // Delivered on reconnect: the kept reply is a documented JSON-RPC response too.
    const again = simAthena(device).sim;
    await again.connect();
    await waitFor(async () => {
      const [call] = z
        .array(QueuedCallStatus.strict())
        .parse(await get(`/api/v1/devices/${dongle}/athena/queue`, owner));
      expect(call).toMatchObject({
        status: "answered",
        reply: { jsonrpc: "2.0", id: "q", result: { version: expect.any(String) } },
      });
      JsonRpcResponse.strict().parse(call.reply);
    });
    await again.stop();
  });

  it("admin answers (forwarded logs, pending devices) parse with their documented schemas", async () => {
    const { dongle, sim } = await connectedDevice();
    await sim.forwardLogs();
    const logs = z.array(DeviceLogEntry.strict()).parse(await get(`/api/v1/devices/${dongle}/logs`, admin));
    expect(logs).toMatchObject([{ kind: "swaglog" }]);
    const file = await workerFetch(`/api/v1/devices/${dongle}/logs/${logs[0].id}`, { headers: admin.auth });
    const doc = await openapi();
    expect(Object.keys(doc.paths["/api/v1/devices/{dongle_id}/logs/{id}"].get.responses["200"].content!)).toContain(
      file.headers.get("Content-Type"),
    );
    await file.arrayBuffer();
    await sim.stop();

    // A device with a comma-issued dongle id connecting for the first time becomes a pending claim.
    const commaDongle = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) =>
      b.toString(16).padStart(2, "0"),
    ).join("");
    const claimant = simAthena(await newDevice({ dongleId: commaDongle })).sim;
    claimant.start();
    await waitFor(async () => {
      const pending = z.array(PendingDevice.strict()).parse(await get("/api/v1/admin/pending-devices", admin));
      expect(pending.map((p) => p.dongle_id)).toContain(commaDongle);
    });
    await claimant.stop();
  });
});
