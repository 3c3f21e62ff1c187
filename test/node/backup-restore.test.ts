/**
 * `npm run backup` and `npm run restore` against wrangler's local state: a migrated database with a row in every
 * table (and an R2 object) is backed up, restored into another, empty state, and must come back row for row, with
 * a working place search (the FTS5 index is not in the export and is rebuilt by the restore).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportPlan, isInternal, readSchema, type Target, withBindings } from "../../scripts/lib/d1-backup";
import { OFFLINE_ENV, ROOT } from "../../scripts/lib";

const work = mkdtempSync(path.join(tmpdir(), "backup-restore-test-"));
const source: Target = { remote: false, persistTo: path.join(work, "source") };
const restored: Target = { remote: false, persistTo: path.join(work, "restored") };
const out = path.join(work, "backup");

function cli(args: string[]) {
  const res = spawnSync("npx", args, { cwd: ROOT, env: { ...OFFLINE_ENV, CI: "true" }, encoding: "utf8" });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

function tool(script: string, args: string[]) {
  return cli(["tsx", `scripts/${script}.ts`, ...args]);
}

// Awkward values on purpose: quotes, newlines, non-ASCII, NULLs, reals, big integers.
const SEED = [
  `INSERT INTO users (id, email, name, password_hash, role, created_at) VALUES ('u1', 'a@example.com', 'O''Brien
Line two', 'pbkdf2$x', 'admin', 1700000000), ('u2', 'b@example.com', NULL, 'pbkdf2$y', 'user', 1700000001)`,
  `INSERT INTO devices (dongle_id, serial, public_key, key_algorithm, owner_id, is_paired, alias, last_seen, athena_online)
     VALUES ('0123456789abcdef', 'ser1', '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----', 'ES256', 'u1', 1, 'Café ☕', 1700000123456, 1)`,
  "INSERT INTO device_users (dongle_id, user_id, permission) VALUES ('0123456789abcdef', 'u2', 'write')",
  "INSERT INTO login_failures (subject, at) VALUES ('a@example.com', 1700000002), ('a@example.com', 1700000003)",
  "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) VALUES ('r1', 'u1', 'f1', 'h1', 1800000000)",
  `INSERT INTO routes (dongle_id, log_id, fullname, start_time_ms, end_time_ms, start_lat, start_lng, distance_miles, maxqlog,
     git_remote, engaged_ms) VALUES ('0123456789abcdef', '00000001--abcdef0123', '0123456789abcdef|00000001--abcdef0123',
     1700000000000, 1700000180000, 48.856613, 2.352222, 1.2345678901234, 2, 'https://github.com/commaai/openpilot.git', 90000)`,
  `INSERT INTO segments (dongle_id, log_id, number, state, has_qlog, qcamera_duration)
     VALUES ('0123456789abcdef', '00000001--abcdef0123', 0, 'processed', 1, 60.05)`,
  `INSERT INTO uploaded_files (key, dongle_id, log_id, segment, file_name, kind, size, etag, state)
     VALUES ('0123456789abcdef/00000001--abcdef0123/0/qlog.zst', '0123456789abcdef', '00000001--abcdef0123', 0, 'qlog.zst', 'qlog', 5, 'e1', 'processed')`,
  "INSERT INTO pending_devices (dongle_id, public_key, key_algorithm, decided_by) VALUES ('fedcba9876543210', 'pk2', 'RS256', 'u1')",
  `INSERT INTO places (name, ascii_name, province, country, iso2, lat, lng, population) VALUES
     ('São Paulo', 'Sao Paulo', 'São Paulo', 'Brazil', 'BR', -23.5587, -46.625, 18845000),
     ('Paris', 'Paris', 'Île-de-France', 'France', 'FR', 48.8667, 2.3333, 11174743)`,
  "INSERT INTO file_processing (key, info, attempts) VALUES ('0123456789abcdef/00000001--abcdef0123/0/qlog.zst', '{\"a\":1}', 1)",
  "INSERT INTO segment_qlogs (dongle_id, log_id, number, etag, meta) VALUES ('0123456789abcdef', '00000001--abcdef0123', 0, 'e1', '{}')",
  `INSERT INTO import_uploads (id, dongle_id, user_id, path, object_key, size, sha256, chunk_size, chunk_count, r2_upload_id, expires_at)
     VALUES ('iu1', '0123456789abcdef', 'u1', 'x/qlog.zst', 'k', 10, 'abc', 5, 2, 'r2u', 1800000000)`,
  "INSERT INTO import_upload_parts (upload_id, part_number, etag, size) VALUES ('iu1', 1, 'p1', 5)",
  "INSERT INTO route_users (fullname, user_id) VALUES ('0123456789abcdef|00000001--abcdef0123', 'u2')",
  "INSERT INTO api_keys (id, user_id, name, scope, prefix, key_hash) VALUES ('k1', 'u1', 'cli', 'read', 'ec_ab', 'kh')",
  "INSERT INTO audit_events (action, actor_kind, actor_id, detail) VALUES ('login', 'user', 'u1', '{\"ip\":null}')",
  "INSERT INTO device_key_requests (dongle_id, public_key, key_algorithm, ip) VALUES ('0123456789abcdef', 'pk3', 'ES256', '192.0.2.1')",
  "INSERT INTO invites (id, token_hash, role, expires_at) VALUES ('i1', 'th', 'user', 1800000000)",
  // A deleted row: its AUTOINCREMENT id must not be handed out again after the restore.
  "INSERT INTO audit_events (action, actor_kind) VALUES ('gone', 'system')",
  "DELETE FROM audit_events WHERE action = 'gone'",
];
const OBJECT_KEY = "0123456789abcdef/00000001--abcdef0123/0/qlog.zst";

/** Every table's rows (FTS shadow tables aside: their b-trees differ after a rebuild, the index content must not). */
async function snapshot(target: Target) {
  return withBindings(target, async (env) => {
    const schema = await readSchema(env.DB);
    const plan = exportPlan(schema);
    const tables = schema
      .filter((r) => r.type === "table" && (!isInternal(r.name) || r.name === "sqlite_sequence"))
      .map((r) => r.name)
      .filter((name) => plan.tables.includes(name) || plan.virtual.includes(name) || name === "sqlite_sequence");
    const rows: Record<string, unknown[]> = {};
    for (const t of tables)
      rows[t] = (await env.DB.prepare(`SELECT rowid, * FROM "${t}" ORDER BY rowid`).all()).results;
    const objects = schema.filter((r) => !isInternal(r.name)).map((r) => `${r.type} ${r.name}: ${r.sql}`);
    return { plan, rows, objects: objects.sort() };
  });
}

describe("npm run backup / npm run restore (local D1 and R2)", () => {
  beforeAll(async () => {
    const migrated = cli(["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", source.persistTo!]);
    expect(migrated.status, migrated.stderr).toBe(0);
    await withBindings(source, async (env) => {
      await env.DB.batch(SEED.map((s) => env.DB.prepare(s)));
      await env.MEDIA.put(OBJECT_KEY, "qlog!");
    });
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("the seed fills every table, so the comparison below covers them all", async () => {
    const { plan, rows } = await snapshot(source);
    const empty = plan.tables.filter((t) => rows[t].length === 0);
    expect(empty).toEqual([]);
    expect(plan.virtual).toEqual(["places_fts"]);
  });

  it("backs up: a D1 export without the virtual table, an R2 manifest and row counts", () => {
    const res = tool("backup", ["--local", "--persist-to", source.persistTo!, "--out", out]);
    expect(res.status, res.stderr).toBe(0);
    const dump = readFileSync(path.join(out, "d1.sql"), "utf8");
    expect(dump).not.toMatch(/VIRTUAL TABLE|places_fts/);
    expect(dump).toContain("CREATE INDEX `places_lat_lng_idx`");
    const manifest = readFileSync(path.join(out, "r2-manifest.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(manifest).toEqual([{ key: OBJECT_KEY, size: 5, etag: expect.any(String), uploaded: expect.any(String) }]);
    const summary = JSON.parse(readFileSync(path.join(out, "backup.json"), "utf8"));
    expect(summary.tables).toMatchObject({ users: 2, places: 2, audit_events: 1 });
    expect(summary.rebuilt_on_restore).toContain("places_fts");
  }, 180_000);

  it("leaves the source's place search as it was (the index is dropped for the export, then rebuilt)", async () => {
    await withBindings(source, async (env) => {
      const found = await env.DB.prepare("SELECT rowid FROM places_fts WHERE places_fts MATCH 'paris'").all();
      expect(found.results).toHaveLength(1);
      await env.DB.prepare("INSERT INTO places_fts(places_fts) VALUES ('integrity-check')").run();
    });
  }, 60_000);

  it("restores into an empty database: every table's rows, the schema and a working place search", async () => {
    const res = tool("restore", ["--local", "--persist-to", restored.persistTo!, "--from", out]);
    expect(res.status, res.stderr).toBe(0);
    // The bucket of the new state is empty: the restore says what R2 lacks.
    expect(res.stdout).toContain("R2 holds 0 of the 1 objects");

    const before = await snapshot(source);
    const after = await snapshot(restored);
    expect(Object.keys(after.rows).sort()).toEqual(Object.keys(before.rows).sort());
    for (const table of Object.keys(before.rows)) expect(after.rows[table], table).toEqual(before.rows[table]);
    expect(after.objects).toEqual(before.objects);

    // Place search through wrangler, as an operator would check it; then the index's own consistency check.
    const search = cli([
      "wrangler",
      "d1",
      "execute",
      "DB",
      "--local",
      "--persist-to",
      restored.persistTo!,
      "--json",
      "--command",
      `SELECT p.name FROM places_fts JOIN places p ON p.id = places_fts.rowid WHERE places_fts MATCH '"sao"* "paul"*'`,
    ]);
    expect(search.status, search.stderr).toBe(0);
    expect(JSON.parse(search.stdout)[0].results).toEqual([{ name: "São Paulo" }]);
    await withBindings(restored, async (env) => {
      await env.DB.prepare("INSERT INTO places_fts(places_fts) VALUES ('integrity-check')").run();
      // The triggers are back: a new place is searchable at once.
      await env.DB.prepare(
        "INSERT INTO places (name, ascii_name, lat, lng) VALUES ('Lutetia', 'Lutetia', 48.85, 2.35)",
      ).run();
      const found = await env.DB.prepare("SELECT rowid FROM places_fts WHERE places_fts MATCH 'lutet*'").all();
      expect(found.results).toHaveLength(1);
    });
  }, 240_000);

  it("refuses a database that is not empty, and replaces it with --force", async () => {
    const res = tool("restore", ["--local", "--persist-to", restored.persistTo!, "--from", out]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("not empty");
    // The place added after the first restore goes with the dropped tables; the restored rows come back.
    const forced = tool("restore", ["--local", "--persist-to", restored.persistTo!, "--from", out, "--force"]);
    expect(forced.status, forced.stderr).toBe(0);
    const before = await snapshot(source);
    const after = await snapshot(restored);
    for (const table of Object.keys(before.rows)) expect(after.rows[table], table).toEqual(before.rows[table]);
  }, 300_000);
});
