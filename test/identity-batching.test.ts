/**
 * Route lists load the signed-in user's row in the same D1 batch as the device and the page (`batchesIdentity`):
 * the mechanism itself, and that every list still decides exactly as the eager path did (gone accounts, devices,
 * shares, roles, strangers).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type Context, Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import type { AppEnv } from "../worker/http/app-env";
import { acceptsDeviceTokens, batchesIdentity, callerOf, identify } from "../worker/http/auth";
import { renderError } from "../worker/http/errors";
import { database } from "../worker/db/client";
import { newRouteName } from "./device-sim/route";
import { createUser, registeredDevice, waitUploadsProcessed, workerFetch, type TestUser } from "./helpers";

beforeAll(async () => {
  expect((await createUser()).role).toBe("admin");
});

/** A small app with the real `identify`: one ordinary handler, one that batches, one in a sub-app with its own onError. */
function probeApp() {
  const app = new Hono<AppEnv>();
  app.onError(renderError);
  app.use("*", async (c, next) => {
    c.set("db", database(c.env));
    await next();
  });
  app.use("*", identify);
  const seen = (c: Context<AppEnv>) =>
    c.json({
      principal: c.var.principal?.kind ?? null,
      deferred: c.var.deferredUserId ?? null,
      caller: callerOf(c)?.kind ?? null,
    });
  app.get("/eager", (c) => seen(c));
  app.get(
    "/batched",
    batchesIdentity((c) => seen(c)),
  );
  // A route devices call (marked as such): the only kind where a device token passes identify.
  app.get(
    "/device",
    acceptsDeviceTokens,
    batchesIdentity((c) => seen(c)),
  );
  const sub = new Hono<AppEnv>();
  sub.onError(renderError);
  sub.get(
    "/batched",
    batchesIdentity((c) => seen(c)),
  );
  app.route("/sub", sub);
  return app;
}

async function probe(path: string, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const res = await probeApp().request(path, { headers }, env, ctx);
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(200);
  return res.json() as Promise<{ principal: string | null; deferred: string | null; caller: string | null }>;
}

describe("identify with batchesIdentity", () => {
  it("leaves a user's row to the handler that batches, and loads it for every other handler", async () => {
    const user = await createUser();
    expect(await probe("/eager", user.auth)).toEqual({ principal: "user", deferred: null, caller: "user" });
    expect(await probe("/batched", user.auth)).toEqual({ principal: null, deferred: user.id, caller: "user-id" });
    // Mounted from a sub-app with its own error handler (Hono wraps such handlers): still recognised.
    expect(await probe("/sub/batched", user.auth)).toEqual({ principal: null, deferred: user.id, caller: "user-id" });
  });

  it("still authenticates devices and anonymous callers up front", async () => {
    const device = await registeredDevice();
    expect(await probe("/device", { Authorization: `JWT ${await device.token()}` })).toEqual({
      principal: "device",
      deferred: null,
      caller: "device",
    });
    const elsewhere = await probeApp().request(
      "/batched",
      { headers: { Authorization: `JWT ${await device.token()}` } },
      env,
      createExecutionContext(),
    );
    expect(elsewhere.status).toBe(403);
    expect(((await elsewhere.json()) as { error: string }).error).toBe("device_token_not_allowed");
    expect(await probe("/batched")).toEqual({ principal: null, deferred: null, caller: null });
    expect(await probe("/batched", { Authorization: "JWT null" })).toEqual({
      principal: null,
      deferred: null,
      caller: null,
    });
  });

  it("refuses a bad token before the handler runs", async () => {
    const res = await probeApp().request(
      "/batched",
      { headers: { Authorization: "JWT eyJhbGciOiJIUzI1NiJ9.eyJpZGVudGl0eSI6IngifQ.bad" } },
      env,
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_token");
  });
});

describe("route lists decide as before", () => {
  let owner: TestUser, reader: TestUser, viewer: TestUser, stranger: TestUser, gone: TestUser;
  let dongle: string;
  let deviceAuth: Record<string, string>;
  const lists = () => [
    `/v1/devices/${dongle}/routes_segments?start=0&end=${Date.now() + 60_000}`,
    `/v1/devices/${dongle}/routes`,
    `/api/v1/routes?dongle_id=${dongle}`,
  ];
  const status = async (path: string, headers: Record<string, string>) => (await workerFetch(path, { headers })).status;

  beforeAll(async () => {
    const device = await registeredDevice();
    [owner, reader, viewer, stranger, gone] = await Promise.all([
      createUser(),
      createUser(),
      createUser(),
      createUser(),
      createUser(),
    ]);
    const pair = await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: owner.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    expect(pair.status).toBe(200);
    dongle = device.dongleId!;
    deviceAuth = { Authorization: `JWT ${await device.token()}` };
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO device_users (dongle_id, user_id, permission) VALUES (?, ?, 'read'), (?, ?, 'write')",
      ).bind(dongle, reader.id, dongle, viewer.id),
      env.DB.prepare("UPDATE users SET role = 'viewer' WHERE id = ?").bind(viewer.id),
      // An account removed while its access token is still valid.
      env.DB.prepare("DELETE FROM refresh_tokens WHERE user_id = ?").bind(gone.id),
      env.DB.prepare("DELETE FROM users WHERE id = ?").bind(gone.id),
    ]);
    expect((await device.uploadFile(`${newRouteName(3)}--0/qlog.zst`, new Uint8Array(64))).outcome).toBe("uploaded");
    // Not a real log: give the drive the start time processing would have (routes_segments filters on it).
    await waitUploadsProcessed(dongle);
    await env.DB.prepare("UPDATE routes SET start_time_ms = ? WHERE dongle_id = ?")
      .bind(Date.now() - 3_600_000, dongle)
      .run();
  });

  it("gives the owner, a shared reader and a viewer the drive, each with their own user id", async () => {
    for (const user of [owner, reader, viewer]) {
      for (const path of lists()) {
        const res = await workerFetch(path, { headers: user.auth });
        expect(res.status, `${path} for ${user.email}`).toBe(200);
        const body = (await res.json()) as { user_id: string }[] | { routes: { user_id: string }[] };
        const routes = Array.isArray(body) ? body : body.routes;
        expect(
          routes.map((r) => r.user_id),
          path,
        ).toEqual([user.id]);
      }
    }
  });

  it("lists all my devices' drives: one device (owned or shared) in one batch, several in a second round trip", async () => {
    const names = async (user: TestUser) =>
      (
        (await (await workerFetch("/api/v1/routes", { headers: user.auth })).json()) as {
          routes: { fullname: string }[];
        }
      ).routes.map((r) => r.fullname);
    const first = (await names(owner))[0];
    expect(first.startsWith(`${dongle}|`)).toBe(true);
    expect(await names(owner)).toEqual([first]);
    expect(await names(reader)).toEqual([first]); // the only device is a shared one
    // A second device of the owner with a newer drive: both lists merge, newest first; the reader still sees one.
    const second = await registeredDevice();
    await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: owner.auth,
      body: new URLSearchParams({ pair_token: await second.pairToken() }),
    });
    const log = newRouteName(4);
    expect((await second.uploadFile(`${log}--0/qlog.zst`, new Uint8Array(64))).outcome).toBe("uploaded");
    await waitUploadsProcessed(second.dongleId!);
    await env.DB.prepare("UPDATE routes SET start_time_ms = ? WHERE dongle_id = ?")
      .bind(Date.now() - 60_000, second.dongleId)
      .run();
    expect(await names(owner)).toEqual([`${second.dongleId}|${log}`, first]);
    expect(await names(reader)).toEqual([first]);
  });

  it("answers a removed account with 401 invalid_token (not 404), as the eager path does", async () => {
    for (const path of [...lists(), "/api/v1/routes", "/api/v1/routes?shared_with_me=true"]) {
      const res = await workerFetch(path, { headers: gone.auth });
      expect(res.status, path).toBe(401);
      expect(((await res.json()) as { error: string }).error, path).toBe("invalid_token");
    }
  });

  it("hides the device from strangers and keeps /api/v1/routes for user accounts", async () => {
    for (const path of lists()) expect(await status(path, stranger.auth), path).toBe(404);
    expect(
      ((await (await workerFetch("/api/v1/routes", { headers: stranger.auth })).json()) as { routes: unknown[] })
        .routes,
    ).toEqual([]);
    // Devices never list drives (docs/device-protocol.md §3): their tokens are refused there.
    expect(await status(`/v1/devices/${dongle}/routes_segments`, deviceAuth)).toBe(403);
    expect(await status(`/api/v1/routes?dongle_id=${dongle}`, deviceAuth)).toBe(403);
    expect(await status("/api/v1/routes", {})).toBe(401);
  });
});
