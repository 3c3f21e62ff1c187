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
  const COMMA_APP = "https://connect.comma.ai";
  const preflight = (path: string, origin: string, method = "POST") =>
    workerFetch(path, {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization,content-type",
      },
    });

  it("answers preflight for any origin on API routes, without credentials", async () => {
    for (const origin of ["https://app.example", COMMA_APP, "https://new-connect.example.org"]) {
      for (const path of [
        "/v1/me/",
        "/v1.1/devices/0123456789abcdef/",
        "/api/v1/auth/login",
        "/v2/pilotpair/",
        "/0123456789abcdef",
      ]) {
        const ok = await preflight(path, origin);
        expect(ok.status).toBe(204);
        expect(ok.headers.get("Access-Control-Allow-Origin")).toBe("*");
        const allowed = ok.headers
          .get("Access-Control-Allow-Headers")
          ?.toLowerCase()
          .split(/\s*,\s*/);
        expect(allowed).toEqual(expect.arrayContaining(["authorization", "content-type"]));
        expect(ok.headers.get("Access-Control-Allow-Credentials")).toBeNull();
      }
    }
  });

  it("lets a page on another origin read an authenticated answer (bearer token, no cookies)", async () => {
    const user = await createUser();
    const res = await workerFetch("/v1/me/", { headers: { ...user.auth, Origin: COMMA_APP } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    expect(res.headers.get("Access-Control-Expose-Headers")).toContain("ETag");
  });

  it("keeps the sign-in pages to ALLOWED_ORIGINS: no CORS, no redirect, no code exchange for other origins", async () => {
    for (const path of ["/v2/auth/", "/v2/auth", "/login"]) {
      expect((await preflight(path, COMMA_APP)).headers.get("Access-Control-Allow-Origin")).toBeNull();
      expect((await preflight(path, "https://app.example")).headers.get("Access-Control-Allow-Origin")).toBe(
        "https://app.example",
      );
    }
    const user = await createUser();
    const redirect = await workerFetch("/login", {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({ email: user.email, password: STRONG_PASSWORD, app: COMMA_APP }),
    });
    expect(redirect.status).toBe(400);
    expect(redirect.headers.get("Location")).toBeNull();

    // A code sent to the allowed app cannot be spent by a page on another origin, and stays usable.
    const login = await workerFetch("/login", {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({ email: user.email, password: STRONG_PASSWORD, app: "https://app.example" }),
    });
    const code = new URL(login.headers.get("Location")!).searchParams.get("code")!;
    const exchange = (origin: string) =>
      workerFetch("/v2/auth/", { method: "POST", headers: { Origin: origin }, body: new URLSearchParams({ code }) });
    const stolen = await exchange(COMMA_APP);
    expect(stolen.status).toBe(403);
    expect(await stolen.json()).toMatchObject({ error: "origin_not_allowed" });
    expect(stolen.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const own = await exchange("https://app.example");
    expect(own.status).toBe(200);
    expect(own.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
  });

  it("treats 'JWT null' from signed-out apps as anonymous and adds CORS headers to answers", async () => {
    const res = await workerFetch("/v1/me/", { headers: { Authorization: "JWT null", Origin: "https://app.example" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await res.json()).toMatchObject({ error: "unauthorized" });
  });
});
