/**
 * Structured request/queue/error logs (worker/observability/): one JSON object per line with the route pattern,
 * never the raw path; and, driven through the real flows that handle secrets (password sign-in, refresh, signed
 * upload PUT, signed media URL, device tokens), no secret ever reaches the console.
 */
import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { newRouteName } from "./device-sim/route";
import { renderError } from "../worker/http/errors";
import { redactString } from "../worker/observability/redact";
import { STRONG_PASSWORD, createUser, json, registeredDevice, waitUploadsProcessed, workerFetch } from "./helpers";

let captured: string[] = [];
const spies: ReturnType<typeof vi.spyOn>[] = [];

beforeEach(() => {
  captured = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const)
    spies.push(
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        captured.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(" "));
      }),
    );
});
afterEach(() => {
  for (const s of spies.splice(0)) s.mockRestore();
});

type Line = Record<string, unknown>;
const jsonLines = (): Line[] =>
  captured.flatMap((l) => {
    try {
      const v = JSON.parse(l);
      return v && typeof v === "object" ? [v as Line] : [];
    } catch {
      return [];
    }
  });
const requestLines = () => jsonLines().filter((l) => l.event === "request");

describe("request log lines", () => {
  it("one JSON line per request: ts, level, request id (= X-Request-Id), method, route pattern, status, duration, principal", async () => {
    const user = await createUser();
    captured = [];
    const res = await workerFetch("/v1/me/", { headers: { ...user.auth, "cf-ray": "8f0000000000abcd-AMS" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Request-Id")).toBe("8f0000000000abcd-AMS");
    const missing = await workerFetch("/v1/route/0123456789abcdef%7C0000002a--0123456789/files?secret=1", {
      headers: user.auth,
    });
    expect(missing.status).toBe(404);
    const generatedId = missing.headers.get("X-Request-Id");
    expect(generatedId).toMatch(/^[0-9a-f-]{36}$/);

    const lines = requestLines();
    expect(lines).toHaveLength(2);
    const [me, files] = lines;
    expect(me).toMatchObject({
      level: "info",
      request_id: "8f0000000000abcd-AMS",
      method: "GET",
      route: "/v1/me",
      status: 200,
      principal_kind: "user",
      principal_id: user.id,
    });
    expect(new Date(me.ts as string).toISOString()).toBe(me.ts);
    expect(typeof me.duration_ms).toBe("number");
    expect(files).toMatchObject({
      level: "warn",
      request_id: generatedId,
      route: "/v1/route/:route/files",
      status: 404,
      principal_kind: "user",
    });
    // Exactly one line per request, each a single JSON object.
    for (const l of captured) expect(() => JSON.parse(l)).not.toThrow();
  });

  it("devices are logged by dongle id, unmatched paths under one label, anonymous callers as such", async () => {
    const device = await registeredDevice();
    captured = [];
    await (await device.apiGet(`v1.1/devices/${device.dongleId}/`)).arrayBuffer();
    await (await workerFetch("/api/v1/no-such-thing/123")).arrayBuffer();
    const [dev, unmatched] = requestLines();
    expect(dev).toMatchObject({
      route: "/v1.1/devices/:dongle",
      principal_kind: "device",
      principal_id: device.dongleId,
    });
    expect(unmatched).toMatchObject({ route: "*", status: 404, principal_kind: "anonymous", principal_id: null });
  });
});

describe("no secret in any log output", () => {
  it("password sign-in, refresh, signed upload PUT, signed media URL, device token: none of them is logged", async () => {
    const user = await createUser();
    const secrets: string[] = [STRONG_PASSWORD, user.email, user.accessToken, user.refreshToken];

    const login = await workerFetch(
      "/api/v1/auth/login",
      json({ email: user.email, password: STRONG_PASSWORD }, { method: "POST" }),
    );
    const tokens = (await login.json()) as { access_token: string; refresh_token: string };
    secrets.push(tokens.access_token, tokens.refresh_token);
    const refreshed = await workerFetch(
      "/api/v1/auth/refresh",
      json({ refresh_token: tokens.refresh_token }, { method: "POST" }),
    );
    expect(refreshed.status).toBe(200);
    secrets.push(((await refreshed.json()) as { refresh_token: string }).refresh_token);
    // A wrong password and comma's form sign-in too.
    await (
      await workerFetch(
        "/api/v1/auth/login",
        json({ email: user.email, password: "Wrong-Pass-123456" }, { method: "POST" }),
      )
    ).arrayBuffer();
    secrets.push("Wrong-Pass-123456");
    const form = await workerFetch("/login", {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({ email: user.email, password: STRONG_PASSWORD, app: "https://app.example" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    const code = new URL(form.headers.get("Location")!).searchParams.get("code")!;
    secrets.push(code);

    // A device: its token, a signed upload URL (PUT), then the owner's signed media URLs.
    const device = await registeredDevice();
    const deviceToken = await device.token();
    secrets.push(deviceToken);
    await workerFetch("/v2/pilotpair/", {
      method: "POST",
      headers: user.auth,
      body: new URLSearchParams({ pair_token: await device.pairToken() }),
    });
    const log = newRouteName(1);
    const upload = await device.uploadFile(`${log}--0/qlog.zst`, new Uint8Array([1, 2, 3, 4]));
    expect(upload.outcome).toBe("uploaded");
    const uploadUrl = new URL(upload.url!);
    secrets.push(uploadUrl.searchParams.get("sig")!, uploadUrl.search);
    // A PUT with a tampered signature is refused (and its query is not logged either).
    const tampered = `${uploadUrl.origin}${uploadUrl.pathname}?exp=${uploadUrl.searchParams.get("exp")}&sig=AAAA${uploadUrl.searchParams.get("sig")!.slice(4)}`;
    expect((await workerFetch(tampered, { method: "PUT", body: new Uint8Array([1]) })).status).toBe(400);
    await waitUploadsProcessed(device.dongleId!);

    const fullname = `${device.dongleId}|${log}`;
    const files = (await (await workerFetch(`/v1/route/${fullname}/files`, { headers: user.auth })).json()) as {
      qlogs: string[];
    };
    const media = new URL(files.qlogs[0]);
    secrets.push(media.searchParams.get("sig")!, media.search);
    expect((await workerFetch(media.toString())).status).toBe(200);
    const share = (await (
      await workerFetch(`/v1/route/${encodeURIComponent(fullname)}/share_signature`, { headers: user.auth })
    ).json()) as {
      sig: string;
    };
    secrets.push(share.sig);

    const all = captured.join("\n");
    expect(requestLines().length).toBeGreaterThanOrEqual(10);
    // The uploaded file's queue message got its line too.
    expect(
      jsonLines().some((l) => l.event === "queue_message" && l.key === `${device.dongleId}/${log}/0/qlog.zst`),
    ).toBe(true);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(3);
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/[?&](sig|exp)=/);
    expect(all).not.toMatch(/@example\.com/);
  });

  it("unhandled errors are one structured line with message and stack, scrubbed", async () => {
    const app = new Hono();
    app.onError(renderError);
    app.get("/boom/:id", () => {
      throw new Error(
        "fetch https://x.test/upload/a?exp=1700000000&sig=c2VjcmV0c2lnbmF0dXJl failed for someone@example.com with Bearer abcdefghijklmnop",
      );
    });
    const res = await app.request("/boom/42");
    expect(res.status).toBe(500);
    const [line] = jsonLines();
    expect(line).toMatchObject({ level: "error", event: "unhandled_error", method: "GET", route: "/boom/:id" });
    expect(line.message).toContain("failed for");
    expect(line.stack).toContain("Error:");
    const all = captured.join("\n");
    for (const s of ["c2VjcmV0c2lnbmF0dXJl", "1700000000", "someone@example.com", "abcdefghijklmnop"])
      expect(all).not.toContain(s);
  });

  it("the redaction helper scrubs JWTs, cookies and signed query strings", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    const out = redactString(`Authorization: JWT ${jwt}; Cookie: jwt=${jwt}; /media/x?share_exp=1&share_sig=abc&x=1`);
    expect(out).not.toContain(jwt);
    expect(out).not.toContain("share_sig=abc");
    expect(out).toContain("x=1");
  });
});
