/**
 * One authorization layer serves both API surfaces; this checks it as a matrix: every endpoint × every kind of
 * caller → the expected status class. Each cell runs on a fresh device and drive, so a write that succeeds in one
 * cell cannot change the outcome of another. "routeShared" is a user the cell's drive alone is shared with;
 * "ownDevice" is the cell's device itself, whose token only the endpoints devices call accept.
 * "ownerReadKey"/"ownerWriteKey" are the owner's API keys: a write key is the owner, a read key is the owner for GET
 * and 403 for anything else. Account endpoints (API keys, audit log) have their own table below.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { generateDeviceKeys } from "./device-sim/keys";
import { newRouteName } from "./device-sim/route";
import { createUser, registeredDevice, workerFetch, type TestUser } from "./helpers";

type Caller =
  | "owner"
  | "reader"
  | "writer"
  | "stranger"
  | "anonymous"
  | "admin"
  | "otherDevice"
  | "ownDevice"
  | "routeShared"
  | "ownerReadKey"
  | "ownerWriteKey";
const CALLERS: Caller[] = [
  "owner",
  "reader",
  "writer",
  "stranger",
  "anonymous",
  "admin",
  "otherDevice",
  "ownDevice",
  "routeShared",
  "ownerReadKey",
  "ownerWriteKey",
];
/**
 * "admin": server administration, whatever the cell (only the admin account; devices 403, anonymous 401).
 * "public": every caller, anonymous included, gets 2xx (health endpoints).
 */
type Level = "read" | "write" | "owner" | "admin" | "public";

interface Cell {
  dongle: string;
  route: string; // "<dongle>|<log_id>"
  /** `Authorization` with a token of the cell's own device. */
  deviceAuth: string;
  /** Set by `withKeyRequest`: a pending key-change request of the cell's device. */
  keyRequestId?: number;
}

interface Endpoint {
  name: string;
  level: Level;
  /** Endpoints about one drive (their path names it) rather than the whole device. */
  route?: true;
  /** Endpoints the device itself calls (docs/device-protocol.md §3): the only ones a device token may use. */
  device?: true;
  /** Administrators only (not about one device). */
  adminOnly?: true;
  /** Answered before any token is read (liveness): even a device token gets through. */
  beforeIdentity?: true;
  /** Puts into the cell what the endpoint needs to answer 2xx to an allowed caller. */
  prepare?(cell: Cell): Promise<void>;
  request(cell: Cell): [string, RequestInit?];
}

const enc = encodeURIComponent;
const jsonInit = (method: string, body: unknown): RequestInit => ({
  method,
  body: JSON.stringify(body),
  headers: { "Content-Type": "application/json" },
});

const ENDPOINTS: Endpoint[] = [
  // comma-compatible surface
  { name: "GET /v1.1/devices/:d", level: "read", device: true, request: (c) => [`/v1.1/devices/${c.dongle}/`] },
  { name: "GET /v1.1/devices/:d/stats", level: "read", request: (c) => [`/v1.1/devices/${c.dongle}/stats`] },
  { name: "GET /v1/devices/:d/routes", level: "read", request: (c) => [`/v1/devices/${c.dongle}/routes`] },
  {
    name: "GET /v1/devices/:d/routes_segments",
    level: "read",
    request: (c) => [`/v1/devices/${c.dongle}/routes_segments?start=0&end=${Date.now()}`],
  },
  {
    name: "GET /v1/devices/:d/routes/preserved",
    level: "read",
    request: (c) => [`/v1/devices/${c.dongle}/routes/preserved`],
  },
  { name: "GET /v1/devices/:d/users", level: "read", request: (c) => [`/v1/devices/${c.dongle}/users`] },
  {
    name: "GET /v1/devices/:d/firehose_stats",
    level: "read",
    device: true,
    request: (c) => [`/v1/devices/${c.dongle}/firehose_stats`],
  },
  {
    name: "PATCH /v1/devices/:d",
    level: "write",
    request: (c) => [`/v1/devices/${c.dongle}/`, jsonInit("PATCH", { alias: "x" })],
  },
  {
    name: "POST /v1/:d/upload_urls",
    level: "write",
    request: (c) => [
      `/v1/${c.dongle}/upload_urls/`,
      jsonInit("POST", { paths: [`${c.route.split("|")[1]}--0/rlog.zst`] }),
    ],
  },
  {
    name: "POST /v1/devices/:d/add_user",
    level: "owner",
    request: (c) => [`/v1/devices/${c.dongle}/add_user`, jsonInit("POST", { email: stranger.email })],
  },
  {
    name: "POST /v1/devices/:d/unpair",
    level: "owner",
    request: (c) => [`/v1/devices/${c.dongle}/unpair`, { method: "POST" }],
  },
  { name: "GET /v1/route/:r", level: "read", route: true, request: (c) => [`/v1/route/${enc(c.route)}/`] },
  { name: "GET /v1/route/:r/files", level: "read", route: true, request: (c) => [`/v1/route/${enc(c.route)}/files`] },
  {
    name: "GET /v1/route/:r/share_signature",
    level: "read",
    route: true,
    request: (c) => [`/v1/route/${enc(c.route)}/share_signature`],
  },
  {
    name: "GET /v1/route/:r/qcamera.m3u8",
    level: "read",
    route: true,
    request: (c) => [`/v1/route/${enc(c.route)}/qcamera.m3u8`],
  },
  {
    name: "PATCH /v1/route/:r",
    level: "write",
    route: true,
    request: (c) => [`/v1/route/${enc(c.route)}/`, jsonInit("PATCH", { is_public: false })],
  },
  {
    name: "POST /v1/route/:r/preserve",
    level: "write",
    route: true,
    request: (c) => [`/v1/route/${enc(c.route)}/preserve`, { method: "POST" }],
  },
  {
    name: "DELETE /v1/route/:r/preserve",
    level: "write",
    route: true,
    request: (c) => [`/v1/route/${enc(c.route)}/preserve`, { method: "DELETE" }],
  },
  // our /api/v1 surface
  { name: "GET /api/v1/devices/:d", level: "read", request: (c) => [`/api/v1/devices/${c.dongle}`] },
  { name: "GET /api/v1/devices/:d/stats", level: "read", request: (c) => [`/api/v1/devices/${c.dongle}/stats`] },
  { name: "GET /api/v1/devices/:d/users", level: "read", request: (c) => [`/api/v1/devices/${c.dongle}/users`] },
  {
    name: "PATCH /api/v1/devices/:d",
    level: "write",
    request: (c) => [`/api/v1/devices/${c.dongle}`, jsonInit("PATCH", { alias: "y" })],
  },
  {
    name: "POST /api/v1/devices/:d/users",
    level: "owner",
    request: (c) => [`/api/v1/devices/${c.dongle}/users`, jsonInit("POST", { email: stranger.email })],
  },
  {
    name: "DELETE /api/v1/devices/:d",
    level: "owner",
    request: (c) => [`/api/v1/devices/${c.dongle}`, { method: "DELETE" }],
  },
  { name: "GET /api/v1/routes?dongle_id", level: "read", request: (c) => [`/api/v1/routes?dongle_id=${c.dongle}`] },
  { name: "GET /api/v1/routes/:r", level: "read", route: true, request: (c) => [`/api/v1/routes/${enc(c.route)}`] },
  {
    name: "GET /api/v1/routes/:r/segments",
    level: "read",
    route: true,
    request: (c) => [`/api/v1/routes/${enc(c.route)}/segments`],
  },
  {
    name: "GET /api/v1/routes/:r/events",
    level: "read",
    route: true,
    request: (c) => [`/api/v1/routes/${enc(c.route)}/events`],
  },
  {
    name: "GET /api/v1/routes/:r/video",
    level: "read",
    route: true,
    request: (c) => [`/api/v1/routes/${enc(c.route)}/video`],
  },
  {
    name: "GET /api/v1/routes/:r/files",
    level: "read",
    route: true,
    request: (c) => [`/api/v1/routes/${enc(c.route)}/files`],
  },
  {
    name: "GET /api/v1/routes/:r/thumbnail",
    level: "read",
    route: true,
    prepare: withThumbnail,
    request: (c) => [`/api/v1/routes/${enc(c.route)}/thumbnail`],
  },
  {
    name: "GET /api/v1/routes/:r/stats",
    level: "read",
    route: true,
    request: (c) => [`/api/v1/routes/${enc(c.route)}/stats`],
  },
  {
    name: "PATCH /api/v1/routes/:r",
    level: "write",
    route: true,
    request: (c) => [`/api/v1/routes/${enc(c.route)}`, jsonInit("PATCH", { is_preserved: true })],
  },
  {
    name: "POST /api/v1/routes/:r/share",
    level: "write",
    route: true,
    request: (c) => [`/api/v1/routes/${enc(c.route)}/share`, { method: "POST" }],
  },
  {
    name: "DELETE /api/v1/routes/:r",
    level: "write",
    route: true,
    request: (c) => [`/api/v1/routes/${enc(c.route)}`, { method: "DELETE" }],
  },
  {
    name: "GET /api/v1/routes/:r/users",
    level: "write",
    route: true,
    request: (c) => [`/api/v1/routes/${enc(c.route)}/users`],
  },
  {
    name: "POST /api/v1/routes/:r/users",
    level: "write",
    route: true,
    request: (c) => [`/api/v1/routes/${enc(c.route)}/users`, jsonInit("POST", { email: stranger.email })],
  },
  {
    name: "DELETE /v1/route/:r",
    level: "write",
    route: true,
    request: (c) => [`/v1/route/${enc(c.route)}/`, { method: "DELETE" }],
  },
  // athena relay (the device is offline in every cell: calls with an expiry are queued → 202)
  {
    name: "POST /:d (athena, read-only method)",
    level: "read",
    request: (c) => [
      `/${c.dongle}`,
      jsonInit("POST", { jsonrpc: "2.0", method: "getVersion", id: 0, expiry: Math.floor(Date.now() / 1000) + 600 }),
    ],
  },
  {
    name: "POST /:d (athena, reboot)",
    level: "write",
    request: (c) => [
      `/${c.dongle}`,
      jsonInit("POST", { jsonrpc: "2.0", method: "reboot", id: 0, expiry: Math.floor(Date.now() / 1000) + 600 }),
    ],
  },
  {
    name: "GET /v1/devices/:d/athena_offline_queue",
    level: "read",
    request: (c) => [`/v1/devices/${c.dongle}/athena_offline_queue`],
  },
  // resumable imports
  {
    name: "POST /api/v1/upload/init",
    level: "write",
    request: (c) => [
      `/api/v1/upload/init`,
      jsonInit("POST", {
        dongle_id: c.dongle,
        path: `${c.route.split("|")[1]}--1/qlog.zst`,
        size: 10,
        sha256: "a".repeat(64),
      }),
    ],
  },
  // key-change requests (docs/security.md)
  {
    name: "GET /api/v1/devices/:d/key-requests",
    level: "owner",
    request: (c) => [`/api/v1/devices/${c.dongle}/key-requests`],
  },
  {
    name: "POST /api/v1/devices/:d/key-requests/:id/approve",
    level: "owner",
    prepare: withKeyRequest,
    request: (c) => [`/api/v1/devices/${c.dongle}/key-requests/${c.keyRequestId}/approve`, { method: "POST" }],
  },
  {
    name: "POST /api/v1/devices/:d/key-requests/:id/reject",
    level: "owner",
    prepare: withKeyRequest,
    request: (c) => [`/api/v1/devices/${c.dongle}/key-requests/${c.keyRequestId}/reject`, { method: "POST" }],
  },
  {
    name: "GET /api/v1/admin/key-requests",
    level: "owner",
    adminOnly: true,
    request: () => ["/api/v1/admin/key-requests"],
  },
  {
    name: "DELETE /api/v1/routes/:r/users/:email",
    level: "write",
    route: true,
    request: (c) => [`/api/v1/routes/${enc(c.route)}/users/${enc(routeShared.email)}`, { method: "DELETE" }],
  },
  // server administration: invites
  {
    name: "POST /api/v1/admin/invites",
    level: "admin",
    request: () => ["/api/v1/admin/invites", jsonInit("POST", {})],
  },
  { name: "GET /api/v1/admin/invites", level: "admin", request: () => ["/api/v1/admin/invites"] },
  {
    name: "DELETE /api/v1/admin/invites/:id",
    level: "admin",
    async prepare(c) {
      await env.DB.prepare(
        "INSERT INTO invites (id, token_hash, role, expires_at) VALUES (?, ?, 'user', unixepoch() + 3600)",
      )
        .bind(`inv-${c.dongle}`, `hash-${c.dongle}`)
        .run();
    },
    request: (c) => [`/api/v1/admin/invites/inv-${c.dongle}`, { method: "DELETE" }],
  },
  // health (public: an uptime monitor has no token)
  { name: "GET /healthz", level: "public", beforeIdentity: true, request: () => ["/healthz"] },
  { name: "GET /api/v1/health", level: "public", request: () => ["/api/v1/health"] },
  // server administration (not about the cell's device: only the admin gets through)
  { name: "GET /api/v1/admin/metrics", level: "admin", request: () => ["/api/v1/admin/metrics"] },
  {
    name: "GET /api/v1/admin/metrics?format=prometheus",
    level: "admin",
    request: () => ["/api/v1/admin/metrics?format=prometheus"],
  },
];

/**
 * What each caller should get: 2xx (allowed), or the exact refusal. Endpoints that only users may call refuse devices
 * with 403. A user a drive is shared with reads that drive, is refused any change to it, and sees nothing else.
 */
function expected(caller: Caller, endpoint: Endpoint, method: string): "2xx" | 401 | 403 | 404 {
  const level = endpoint.level;
  // Public, but a device token is still refused wherever tokens are read (device tokens work on device endpoints only).
  if (level === "public") return endpoint.beforeIdentity || !caller.endsWith("Device") ? "2xx" : 403;
  if (caller === "ownDevice") return endpoint.device ? "2xx" : 403;
  if (endpoint.adminOnly) return caller === "admin" ? "2xx" : caller === "anonymous" ? 401 : 403;
  if (level === "admin") return caller === "admin" ? "2xx" : caller === "anonymous" ? 401 : 403;
  switch (caller) {
    case "ownerWriteKey":
      return "2xx";
    case "ownerReadKey":
      return method === "GET" ? "2xx" : 403;
    case "routeShared":
      return !endpoint.route ? 404 : level === "read" ? "2xx" : 403;
    case "owner":
    case "admin":
      return "2xx";
    case "writer":
      return level === "owner" ? 403 : "2xx";
    case "reader":
      return level === "read" ? "2xx" : 403;
    case "stranger":
      return 404;
    case "anonymous":
      return 401;
    case "otherDevice":
      return 403;
  }
}

let admin: TestUser, owner: TestUser, reader: TestUser, writer: TestUser, stranger: TestUser, routeShared: TestUser;
let otherDeviceAuth: string;
let ownerReadKey: string, ownerWriteKey: string;

async function newApiKey(user: TestUser, scope: "read" | "write"): Promise<{ id: string; key: string }> {
  const res = await workerFetch("/api/v1/auth/api-keys", {
    ...jsonInit("POST", { name: `matrix ${scope}`, scope }),
    headers: { "Content-Type": "application/json", ...user.auth },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

beforeAll(async () => {
  admin = await createUser(); // the first account of this file's database is the admin
  [owner, reader, writer, stranger, routeShared] = await Promise.all([
    createUser(),
    createUser(),
    createUser(),
    createUser(),
    createUser(),
  ]);
  const other = await registeredDevice({ keyKind: "ecdsa" });
  otherDeviceAuth = `JWT ${await other.token()}`;
  ownerReadKey = (await newApiKey(owner, "read")).key;
  ownerWriteKey = (await newApiKey(owner, "write")).key;
  expect(admin.role).toBe("admin");
});

async function freshCell(): Promise<Cell> {
  const device = await registeredDevice({ keyKind: "ecdsa" });
  const dongle = device.dongleId!;
  await env.DB.batch([
    env.DB.prepare("UPDATE devices SET owner_id = ?, is_paired = 1 WHERE dongle_id = ?").bind(owner.id, dongle),
    env.DB.prepare(
      "INSERT INTO device_users (dongle_id, user_id, permission) VALUES (?, ?, 'read'), (?, ?, 'write')",
    ).bind(dongle, reader.id, dongle, writer.id),
  ]);
  const log = newRouteName();
  await device.uploadFile(`${log}--0/qlog.zst`, new Uint8Array([1, 2, 3]));
  await env.DB.prepare("INSERT INTO route_users (fullname, user_id) VALUES (?, ?)")
    .bind(`${dongle}|${log}`, routeShared.id)
    .run();
  return { dongle, route: `${dongle}|${log}`, deviceAuth: `JWT ${await device.token()}` };
}

/** A registration named the cell's serial with another key (services/devices/key-requests.ts). */
async function withKeyRequest(cell: Cell): Promise<void> {
  const keys = await generateDeviceKeys("ecdsa");
  const row = await env.DB.prepare(
    "INSERT INTO device_key_requests (dongle_id, public_key, key_algorithm) VALUES (?, ?, 'ES256') RETURNING id",
  )
    .bind(cell.dongle, keys.publicKeyPem)
    .first<{ id: number }>();
  cell.keyRequestId = row!.id;
}

/**
 * A processed segment 1 with a sprite.jpg (written directly: segment 0's qlog is garbage, and its failed processing
 * deletes segment 0's derived files at a moment the test does not control; segment 1 has no upload to process).
 */
async function withThumbnail(cell: Cell): Promise<void> {
  const [dongle, log] = cell.route.split("|");
  await env.DB.prepare("INSERT INTO segments (dongle_id, log_id, number, state, has_qlog) VALUES (?, ?, 1, 'done', 1)")
    .bind(dongle, log)
    .run();
  await env.MEDIA.put(`${dongle}/${log}/1/sprite.jpg`, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]));
}

function authFor(caller: Caller, cell: Cell): Record<string, string> {
  if (caller === "ownDevice") return { Authorization: cell.deviceAuth };
  const users = { owner, reader, writer, stranger, admin, routeShared } as Record<string, TestUser>;
  if (caller === "anonymous") return {};
  if (caller === "otherDevice") return { Authorization: otherDeviceAuth };
  if (caller === "ownerReadKey") return { Authorization: `Bearer ${ownerReadKey}` };
  if (caller === "ownerWriteKey") return { Authorization: `Bearer ${ownerWriteKey}` };
  return users[caller].auth;
}

describe("permission matrix", () => {
  for (const endpoint of ENDPOINTS) {
    it(endpoint.name, async () => {
      const failures: string[] = [];
      for (const caller of CALLERS) {
        const cell = await freshCell();
        await endpoint.prepare?.(cell);
        const [path, init = {}] = endpoint.request(cell);
        const res = await workerFetch(path, {
          ...init,
          headers: { ...(init.headers as Record<string, string>), ...authFor(caller, cell) },
        });
        await res.body?.cancel();
        const want = expected(caller, endpoint, init.method ?? "GET");
        const ok = want === "2xx" ? res.status >= 200 && res.status < 300 : res.status === want;
        if (!ok) failures.push(`${caller}: got ${res.status}, want ${want}`);
      }
      expect(failures).toEqual([]);
    });
  }
});

/**
 * Endpoints about the caller's own account rather than a device: every signed-in user may use them on their own
 * account (admins also on everyone's), devices may not, API keys may read the audit log but not manage keys.
 */
interface AccountEndpoint {
  name: string;
  /** Endpoints about one API key get a fresh key of the account behind the caller (the owner's for the others). */
  needsKey?: true;
  request(keyId: string): [string, RequestInit?];
  expect(caller: Caller): "2xx" | 401 | 403;
}

const anyUser = (caller: Caller) =>
  caller === "anonymous" ? 401 : caller === "otherDevice" || caller === "ownDevice" ? 403 : "2xx";
const sessionOnly = (caller: Caller) => (caller.endsWith("Key") ? 403 : anyUser(caller));

const ACCOUNT_ENDPOINTS: AccountEndpoint[] = [
  { name: "GET /api/v1/auth/api-keys", request: () => ["/api/v1/auth/api-keys"], expect: sessionOnly },
  {
    name: "POST /api/v1/auth/api-keys",
    request: () => ["/api/v1/auth/api-keys", jsonInit("POST", { name: "matrix", scope: "read" })],
    expect: sessionOnly,
  },
  {
    name: "DELETE /api/v1/auth/api-keys/:id",
    needsKey: true,
    request: (id) => [`/api/v1/auth/api-keys/${id}`, { method: "DELETE" }],
    expect: sessionOnly,
  },
  { name: "GET /api/v1/auth/audit", request: () => ["/api/v1/auth/audit?limit=5"], expect: anyUser },
  {
    name: "GET /api/v1/admin/audit",
    request: () => ["/api/v1/admin/audit?limit=5"],
    expect: (caller) => (caller === "admin" ? "2xx" : anyUser(caller) === "2xx" ? 403 : anyUser(caller)),
  },
];

function accountOf(caller: Caller): TestUser {
  const users = { owner, reader, writer, stranger, admin, routeShared } as Record<string, TestUser>;
  return users[caller] ?? owner;
}

describe("permission matrix: account endpoints", () => {
  for (const endpoint of ACCOUNT_ENDPOINTS) {
    it(endpoint.name, async () => {
      const failures: string[] = [];
      const cell = await freshCell();
      for (const caller of CALLERS) {
        const keyId = endpoint.needsKey ? (await newApiKey(accountOf(caller), "read")).id : "";
        const [path, init = {}] = endpoint.request(keyId);
        const res = await workerFetch(path, {
          ...init,
          headers: { ...(init.headers as Record<string, string>), ...authFor(caller, cell) },
        });
        await res.body?.cancel();
        const want = endpoint.expect(caller);
        const ok = want === "2xx" ? res.status >= 200 && res.status < 300 : res.status === want;
        if (!ok) failures.push(`${caller}: got ${res.status}, want ${want}`);
      }
      expect(failures).toEqual([]);
    });
  }
});
