import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createUser, json, registeredDevice, workerFetch, type TestUser } from "./helpers";

async function pairedDevice(owner: TestUser) {
  const device = await registeredDevice();
  await workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: owner.auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  return device;
}

describe("comma device endpoints", () => {
  it("lists my devices (owned and shared) as ApiDevice objects", async () => {
    const owner = await createUser();
    const friend = await createUser();
    const device = await pairedDevice(owner);
    const list = (await (await workerFetch("/v1/me/devices/", { headers: owner.auth })).json()) as Record<
      string,
      unknown
    >[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      dongle_id: device.dongleId,
      is_owner: true,
      is_paired: true,
      prime: false,
      prime_type: 0,
      alias: "",
    });
    for (const key of [
      "serial",
      "last_athena_ping",
      "ignore_uploads",
      "public_key",
      "trial_claimed",
      "device_type",
      "openpilot_version",
      "sim_id",
      "sim_type",
      "eligible_features",
    ]) {
      expect(list[0]).toHaveProperty(key);
    }
    expect(await (await workerFetch("/v1/me/devices/", { headers: friend.auth })).json()).toEqual([]);
    const add = await workerFetch(
      `/v1/devices/${device.dongleId}/add_user`,
      json({ email: friend.email }, { method: "POST", headers: owner.auth }),
    );
    expect(await add.json()).toEqual({ success: 1 });
    const shared = (await (await workerFetch("/v1/me/devices/", { headers: friend.auth })).json()) as {
      is_owner: boolean;
    }[];
    expect(shared).toHaveLength(1);
    expect(shared[0].is_owner).toBe(false);
    expect(await (await workerFetch(`/v1/devices/${device.dongleId}/users`, { headers: friend.auth })).json()).toEqual([
      { email: owner.email, permission: "owner" },
      { email: friend.email, permission: "read_access" },
    ]);
    // A reader cannot share further or rename; the owner can remove the share.
    expect(
      (
        await workerFetch(
          `/v1/devices/${device.dongleId}/add_user`,
          json({ email: owner.email }, { method: "POST", headers: friend.auth }),
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await workerFetch(
          `/v1/devices/${device.dongleId}/`,
          json({ alias: "x" }, { method: "PATCH", headers: friend.auth }),
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await workerFetch(
          `/v1/devices/${device.dongleId}/add_user`,
          json({ email: "nobody@example.com" }, { method: "POST", headers: owner.auth }),
        )
      ).status,
    ).toBe(404);
    await workerFetch(
      `/v1/devices/${device.dongleId}/del_user`,
      json({ email: friend.email }, { method: "POST", headers: owner.auth }),
    );
    expect(await (await workerFetch("/v1/me/devices/", { headers: friend.auth })).json()).toEqual([]);
  });

  it("renames a device (alias) and reports stats and location", async () => {
    const owner = await createUser();
    const device = await pairedDevice(owner);
    const renamed = await workerFetch(
      `/v1/devices/${device.dongleId}/`,
      json({ alias: "Family car" }, { method: "PATCH", headers: owner.auth }),
    );
    expect(((await renamed.json()) as { alias: string }).alias).toBe("Family car");
    expect(
      (
        await workerFetch(
          `/v1/devices/${device.dongleId}/`,
          json({ alias: 5 }, { method: "PATCH", headers: owner.auth }),
        )
      ).status,
    ).toBe(400);

    const noLoc = await workerFetch(`/v1/devices/${device.dongleId}/location`, { headers: owner.auth });
    expect(noLoc.status).toBe(404);
    expect(await noLoc.json()).toMatchObject({ error: "location_unavailable" });

    await device.uploadFile("00000002--aaaaaaaaaa--0/qlog.zst", new Uint8Array([1]));
    await env.DB.prepare(`UPDATE routes SET start_time_ms = 1000000, end_time_ms = 1000000 + 180000, distance_miles = 1.25, end_lat = 52.5, end_lng = 13.4
      WHERE dongle_id = ?`)
      .bind(device.dongleId)
      .run();
    const stats = await (await workerFetch(`/v1.1/devices/${device.dongleId}/stats`, { headers: owner.auth })).json();
    expect(stats).toEqual({
      all: { distance: 1.25, minutes: 3, routes: 1 },
      week: { distance: 1.25, minutes: 3, routes: 1 },
    });
    const loc = await (await workerFetch(`/v1/devices/${device.dongleId}/location`, { headers: owner.auth })).json();
    expect(loc).toMatchObject({ dongle_id: device.dongleId, lat: 52.5, lng: 13.4, time: 1180000 });
  });

  it("answers billing calls with valid no-subscription JSON", async () => {
    const owner = await createUser();
    const info = await workerFetch("/v1/prime/subscribe_info?dongle_id=0123456789abcdef", { headers: owner.auth });
    expect(await info.json()).toMatchObject({ has_prime: false, is_prime_sim: false });
    expect((await workerFetch("/v1/prime/subscription?dongle_id=x", { headers: owner.auth })).status).toBe(404);
    expect(
      (await workerFetch("/v1/prime/stripe_checkout", json({}, { method: "POST", headers: owner.auth }))).status,
    ).toBe(400);
    expect(await (await workerFetch("/v1/me/turn", { headers: owner.auth })).json()).toEqual({
      iceServers: [],
      ttl: 3600,
    });
  });
});
