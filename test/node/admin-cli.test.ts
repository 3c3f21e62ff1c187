/**
 * `npm run admin` against a throw-away local D1 (wrangler's --persist-to): the real migrations, the real
 * `wrangler d1 execute`, the script run as a process the way npm runs it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFFLINE_ENV, ROOT } from "../../scripts/lib";
import { d1Execute } from "../../scripts/lib/d1-execute";

let persist: string;
const target = () => ({ remote: false, persistTo: persist });

function admin(...args: string[]) {
  const res = spawnSync("npx", ["tsx", "scripts/admin.ts", ...args, "--persist-to", persist], {
    cwd: ROOT,
    env: { ...OFFLINE_ENV, CI: "true" },
    encoding: "utf8",
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

beforeAll(() => {
  persist = mkdtempSync(path.join(tmpdir(), "edge-admin-cli-"));
  const res = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
    cwd: ROOT,
    env: { ...OFFLINE_ENV, CI: "true" },
    encoding: "utf8",
  });
  if (res.status !== 0) throw new Error(`migrations failed: ${res.stderr}`);
  d1Execute(
    target(),
    "INSERT INTO users (id, email, password_hash, role) VALUES ('cli0000000000001', 'owner@example.com', 'x', 'user');",
  );
});

afterAll(() => rmSync(persist, { recursive: true, force: true }));

describe("npm run admin", { timeout: 300_000 }, () => {
  it("make-admin promotes an existing account (any case of its email) and audits it as the system", () => {
    const res = admin("make-admin", "Owner@Example.com", "--local");
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("now an admin");
    const [rows, audit] = d1Execute(
      target(),
      "SELECT role FROM users WHERE id = 'cli0000000000001'; SELECT actor_kind, actor_id, target_id, detail FROM audit_events WHERE action = 'account.role_changed';",
    );
    expect(rows).toEqual([{ role: "admin" }]);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_kind: "system", actor_id: null, target_id: "cli0000000000001" });
    expect(JSON.parse(String(audit[0].detail))).toMatchObject({ from: "user", to: "admin" });
    // Again: nothing to change, nothing more in the log.
    expect(admin("make-admin", "owner@example.com").stdout).toContain("already an admin");
    const [again] = d1Execute(
      target(),
      "SELECT count(*) AS n FROM audit_events WHERE action = 'account.role_changed';",
    );
    expect(again).toEqual([{ n: 1 }]);
  });

  it("make-admin with an unknown email fails with a clear message and exit code 1", () => {
    const res = admin("make-admin", "nobody@example.com");
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("no account with the email nobody@example.com");
  });

  it("claim-link stores a 24 h admin invite (only the token's hash) and prints its link", () => {
    const res = admin("claim-link", "--base-url", "https://connect.example.com/");
    expect(res.code).toBe(0);
    const token = /https:\/\/connect\.example\.com\/claim\/([0-9a-f]{64})\b/.exec(res.stdout)?.[1];
    expect(token).toBeTruthy();
    const [rows] = d1Execute(
      target(),
      "SELECT role, created_by, token_hash, expires_at - created_at AS ttl FROM invites;",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role: "admin", created_by: null, ttl: 24 * 3600 });
    expect(rows[0].token_hash).not.toBe(token);
  });

  it("invite prints a sign-up link for a role and refuses an unknown role", () => {
    const res = admin("invite", "--role", "viewer", "--email", "Guest@Example.com", "--hours", "2");
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/signup\?invite=[0-9a-f]{64}/);
    const [rows] = d1Execute(
      target(),
      "SELECT role, email, expires_at - created_at AS ttl FROM invites WHERE role = 'viewer';",
    );
    expect(rows).toEqual([{ role: "viewer", email: "guest@example.com", ttl: 7200 }]);
    const bad = admin("invite", "--role", "root");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--role must be one of");
  });
});
