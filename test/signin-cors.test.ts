import { describe, expect, it } from "vitest";
import { STRONG_PASSWORD, createUser, json, workerFetch } from "./helpers";

describe("sign-in for comma's web apps", () => {
  it("login page → redirect with a one-time code → POST /v2/auth/ → a token that works", async () => {
    const user = await createUser();
    const page = await workerFetch("/login?app=https://app.example");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="password"');
    const res = await workerFetch("/login", {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({ email: user.email, password: STRONG_PASSWORD, app: "https://app.example" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("Location")!);
    expect(location.origin + location.pathname).toBe("https://app.example/auth/");
    expect(location.searchParams.get("provider")).toBe("password");
    const code = location.searchParams.get("code")!;
    const exchange = await workerFetch("/v2/auth/", {
      method: "POST",
      body: new URLSearchParams({ code, provider: "password" }),
    });
    expect(exchange.status).toBe(200);
    const { access_token } = (await exchange.json()) as { access_token: string };
    const me = await workerFetch("/v1/me/", { headers: { Authorization: `JWT ${access_token}` } });
    expect(((await me.json()) as { email: string }).email).toBe(user.email);
    // Single use, and never a refresh token.
    expect(
      (await workerFetch("/v2/auth/", { method: "POST", body: new URLSearchParams({ code, provider: "password" }) }))
        .status,
    ).toBe(401);
    expect((await workerFetch("/api/v1/auth/refresh", json({ refresh_token: code }, { method: "POST" }))).status).toBe(
      401,
    );
    expect(
      (await workerFetch("/v2/auth/", { method: "POST", body: new URLSearchParams({ code: user.refreshToken }) }))
        .status,
    ).toBe(401);
  });

  it("refuses to send codes to origins that are not allowed, and shows wrong passwords on the page", async () => {
    const user = await createUser();
    const evil = await workerFetch("/login", {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({ email: user.email, password: STRONG_PASSWORD, app: "https://evil.example" }),
    });
    expect(evil.status).toBe(400);
    const wrong = await workerFetch("/login", {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({ email: user.email, password: "Wrong-password-1", app: "https://app.example" }),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("Wrong email or password");
    expect((await workerFetch("/v2/auth/", { method: "POST", body: new URLSearchParams({}) })).status).toBe(400);
  });
});

describe("CORS", () => {
  it("answers preflight for allowed origins on API routes, and not for others", async () => {
    for (const path of [
      "/v1/me/",
      "/v1.1/devices/0123456789abcdef/",
      "/api/v1/auth/login",
      "/v2/pilotpair/",
      "/0123456789abcdef",
    ]) {
      const ok = await workerFetch(path, {
        method: "OPTIONS",
        headers: {
          Origin: "https://app.example",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "authorization,content-type",
        },
      });
      expect(ok.status).toBe(204);
      expect(ok.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
      expect(ok.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
    }
    const other = await workerFetch("/v1/me/", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" },
    });
    expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("treats 'JWT null' from signed-out apps as anonymous and adds CORS headers to answers", async () => {
    const res = await workerFetch("/v1/me/", { headers: { Authorization: "JWT null", Origin: "https://app.example" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(await res.json()).toMatchObject({ error: "unauthorized" });
  });
});
