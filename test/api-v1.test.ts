import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { newRouteName } from "./device-sim/route";
import { createUser, json, registeredDevice, waitUploadsProcessed, workerFetch, type TestUser } from "./helpers";

async function deviceWithRoutes(owner: TestUser, count: number) {
  const device = await registeredDevice();
  const paired = await workerFetch(
    "/api/v1/devices/pair",
    json({ pair_token: await device.pairUrl() }, { method: "POST", headers: owner.auth }),
  );
  expect(paired.status).toBe(200);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const log = newRouteName(i);
    await device.uploadFile(`${log}--0/qlog.zst`, new Uint8Array([i]));
    names.push(`${device.dongleId}|${log}`);
  }
  await waitUploadsProcessed(device.dongleId!);
  for (const [i, name] of names.entries()) {
    await env.DB.prepare("UPDATE routes SET start_time_ms = ? WHERE fullname = ?")
      .bind(1_700_000_000_000 + i * 3_600_000, name)
      .run();
  }
  return { device, names };
}

describe("/api/v1 devices and routes", () => {
  it("documents itself: OpenAPI 3.1 with every /api/v1 path and the error schema", async () => {
    const res = await workerFetch("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/api/v1/auth/login",
      "/api/v1/devices",
      "/api/v1/devices/{dongle_id}",
      "/api/v1/routes",
      "/api/v1/routes/{fullname}",
    ])
      expect(doc.paths).toHaveProperty([path]);
    expect(doc.components.schemas).toHaveProperty("Error");
    const ui = await workerFetch("/api/docs");
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain("/api/v1/openapi.json");
  });

  it("lists, renames, shares and unpairs devices", async () => {
    const owner = await createUser();
    const friend = await createUser();
    const { device } = await deviceWithRoutes(owner, 0);
    const list = (await (await workerFetch("/api/v1/devices", { headers: owner.auth })).json()) as {
      dongle_id: string;
      access: string;
      is_online: boolean;
    }[];
    expect(list).toEqual([expect.objectContaining({ dongle_id: device.dongleId, access: "owner", is_online: false })]);
    const renamed = await workerFetch(
      `/api/v1/devices/${device.dongleId}`,
      json({ alias: "Blue car" }, { method: "PATCH", headers: owner.auth }),
    );
    expect(await renamed.json()).toMatchObject({ alias: "Blue car" });
    expect(
      (
        await workerFetch(
          `/api/v1/devices/${device.dongleId}`,
          json({ alias: 7 }, { method: "PATCH", headers: owner.auth }),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await workerFetch(
          `/api/v1/devices/${device.dongleId}/users`,
          json({ email: friend.email, permission: "write" }, { method: "POST", headers: owner.auth }),
        )
      ).status,
    ).toBe(200);
    expect(
      await (await workerFetch(`/api/v1/devices/${device.dongleId}`, { headers: friend.auth })).json(),
    ).toMatchObject({ access: "write", is_owner: false });
    expect(
      (await workerFetch(`/api/v1/devices/${device.dongleId}`, { method: "DELETE", headers: friend.auth })).status,
    ).toBe(403);
    expect(
      (
        await workerFetch(`/api/v1/devices/${device.dongleId}/users/${encodeURIComponent(friend.email)}`, {
          method: "DELETE",
          headers: owner.auth,
        })
      ).status,
    ).toBe(200);
    expect((await workerFetch(`/api/v1/devices/${device.dongleId}`, { headers: friend.auth })).status).toBe(404);
    expect(
      (await workerFetch(`/api/v1/devices/${device.dongleId}`, { method: "DELETE", headers: owner.auth })).status,
    ).toBe(200);
    expect((await device.pollPairing()).isPaired).toBe(false);
  });

  it("pages routes with a cursor, filters by time, and never repeats or skips", async () => {
    const owner = await createUser();
    const { device, names } = await deviceWithRoutes(owner, 5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/routes?dongle_id=${device.dongleId}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = (await (await workerFetch(url, { headers: owner.auth })).json()) as {
        routes: { fullname: string }[];
        next_cursor: string | null;
      };
      seen.push(...page.routes.map((r) => r.fullname));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...names].reverse());
    const window = (await (
      await workerFetch(
        `/api/v1/routes?from=${1_700_000_000_000 + 3_600_000}&to=${1_700_000_000_000 + 2 * 3_600_000}`,
        { headers: owner.auth },
      )
    ).json()) as { routes: { fullname: string }[] };
    expect(window.routes.map((r) => r.fullname)).toEqual([names[2], names[1]]);
    expect((await workerFetch("/api/v1/routes?cursor=garbage", { headers: owner.auth })).status).toBe(400);
    expect((await workerFetch("/api/v1/routes?limit=1000", { headers: owner.auth })).status).toBe(400);
  });

  it("details, segments, share link, preserve and delete of a route", async () => {
    const owner = await createUser();
    const stranger = await createUser();
    const { device, names } = await deviceWithRoutes(owner, 1);
    const name = encodeURIComponent(names[0]);
    expect(await (await workerFetch(`/api/v1/routes/${name}`, { headers: owner.auth })).json()).toMatchObject({
      fullname: names[0],
      segment_numbers: [0],
    });
    expect(await (await workerFetch(`/api/v1/routes/${name}/segments`, { headers: owner.auth })).json()).toEqual([
      expect.objectContaining({ number: 0, has_qlog: true, has_qcamera: false }),
    ]);
    expect((await workerFetch(`/api/v1/routes/${name}`, { headers: stranger.auth })).status).toBe(404);
    const link = (await (
      await workerFetch(`/api/v1/routes/${name}/share`, { method: "POST", headers: owner.auth })
    ).json()) as { exp: string; sig: string; url: string };
    expect(
      (await workerFetch(`/api/v1/routes/${name}?exp=${link.exp}&sig=${encodeURIComponent(link.sig)}`)).status,
    ).toBe(200);
    expect((await workerFetch(`/api/v1/routes/${name}/share`, { method: "POST", headers: stranger.auth })).status).toBe(
      404,
    );
    const preserved = await workerFetch(
      `/api/v1/routes/${name}`,
      json({ is_preserved: true }, { method: "PATCH", headers: owner.auth }),
    );
    expect(await preserved.json()).toMatchObject({ is_preserved: true });
    expect((await workerFetch(`/api/v1/routes/${name}`, { method: "DELETE", headers: owner.auth })).status).toBe(200);
    expect((await workerFetch(`/api/v1/routes/${name}`, { headers: owner.auth })).status).toBe(404);
    expect((await device.uploadFile(`${names[0].split("|")[1]}--1/qlog.zst`, new Uint8Array([1]))).status).toBe(412);
    // The objects go through the upload queue's purge (test/route-deletion.test.ts covers it in depth).
    await vi.waitFor(
      async () => {
        const left = await env.MEDIA.list({ prefix: `${device.dongleId}/${names[0].split("|")[1]}/` });
        expect(left.objects).toHaveLength(0);
      },
      { timeout: 20_000, interval: 100 },
    );
  });
});
