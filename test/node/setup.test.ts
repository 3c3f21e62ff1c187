/**
 * `npm run setup` against a fake wrangler (test/node/fake-wrangler) first on PATH, in a temp copy of the files it
 * touches, so neither a Cloudflare account nor the real wrangler.jsonc is involved.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "jsonc-parser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyPassword } from "../../worker/lib/passwords";
import { adminAccountSql, adminInputProblem } from "../../scripts/setup/first-admin";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FAKE_BIN = path.join(ROOT, "test/node/fake-wrangler");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

let work: string;
let project: string;
let fakeState: string;

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), "setup-test-"));
  project = path.join(work, "project");
  fakeState = path.join(work, "account");
  mkdirSync(path.join(project, "tiles/build"), { recursive: true });
  mkdirSync(fakeState);
  cpSync(path.join(ROOT, "wrangler.jsonc"), path.join(project, "wrangler.jsonc"));
  cpSync(path.join(ROOT, "migrations"), path.join(project, "migrations"), { recursive: true });
  // Stand-ins for `npm run maps:build` output: setup only hashes and uploads them.
  writeFileSync(path.join(project, "tiles/build/world.pmtiles"), "PMTiles stand-in");
  writeFileSync(path.join(project, "tiles/build/places.sql"), "DELETE FROM places WHERE source = 'naturalearth';\n");
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function setup(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(TSX, [path.join(ROOT, "scripts/setup.ts"), "--cwd", project, "--skip-build", ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: `${FAKE_BIN}${path.delimiter}${process.env.PATH}`,
      FAKE_WRANGLER_STATE: fakeState,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr, all: res.stdout + res.stderr };
}

interface Call {
  argv: string[];
  stdinLength: number;
}
const calls = (): Call[] =>
  existsSync(path.join(fakeState, "calls.jsonl"))
    ? readFileSync(path.join(fakeState, "calls.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
    : [];
const clearCalls = () => rmSync(path.join(fakeState, "calls.jsonl"), { force: true });
const account = () => JSON.parse(readFileSync(path.join(fakeState, "account.json"), "utf8"));
const configText = () => readFileSync(path.join(project, "wrangler.jsonc"), "utf8");
const config = () => parse(configText());
/** A call as a short, stable label: the command words and names, without SQL or the commit. */
const label = (c: Call) =>
  c.argv.filter((_a, i) => !["--command", "--var", "--file", "--content-type"].includes(c.argv[i - 1] ?? "")).join(" ");

const FIRST_RUN = [
  "whoami --json",
  "d1 list --json",
  "d1 create edge-connect",
  "r2 bucket info edge-connect-media",
  "r2 bucket create edge-connect-media",
  "queues info edge-connect-uploads",
  "queues create edge-connect-uploads",
  "queues info edge-connect-uploads-dlq",
  "queues create edge-connect-uploads-dlq",
  "secret list --format json",
  "secret put JWT_SECRET",
  "secret put URL_SIGNING_SECRET",
  "d1 migrations apply DB --remote",
  "r2 object put edge-connect-media/maps/world.pmtiles --file --content-type --remote",
  "d1 execute DB --remote --yes --file",
  "deploy --var",
  "d1 execute DB --remote --json --command",
  "d1 execute DB --remote --command",
];

describe("npm run setup", () => {
  it("goes from nothing to a deployed server, writing ids and domain into the config in place, secrets unseen", () => {
    const run = setup(["--domain", "connect.example.com"]);
    expect(run.code, run.all).toBe(0);
    expect(calls().map(label)).toEqual(FIRST_RUN);

    const acct = account();
    expect(acct.databases).toHaveLength(1);
    expect(acct.buckets).toEqual(["edge-connect-media"]);
    expect(acct.queues.map((q: { queue_name: string }) => q.queue_name)).toEqual([
      "edge-connect-uploads",
      "edge-connect-uploads-dlq",
    ]);
    expect(Object.keys(acct.secrets).sort()).toEqual(["JWT_SECRET", "URL_SIGNING_SECRET"]);
    expect(acct.migrations.length).toBe(
      readdirSync(path.join(ROOT, "migrations")).filter((f) => f.endsWith(".sql")).length,
    );
    expect(acct.objects["edge-connect-media/maps/world.pmtiles"]).toBeGreaterThan(0);

    const cfg = config();
    expect(cfg.d1_databases[0].database_id).toBe(acct.databases[0].uuid);
    expect(cfg.routes).toEqual([{ pattern: "connect.example.com", custom_domain: true }]);
    expect(cfg.workers_dev).toBe(false);
    expect(cfg.vars.PUBLIC_URL).toBe("https://connect.example.com");
    // Edited in place: the explanatory comments are still there.
    expect(configText()).toContain("// prime_type reported to devices and apps");
    expect(configText()).toContain("// Messages that failed max_retries times");

    // Deployed with the commit, and with the config as it was after the domain step.
    const deployed = acct.deploys[0];
    expect(deployed.vars[0]).toMatch(/^COMMIT:[0-9a-f]{40}$|^COMMIT:unknown$/);
    expect(deployed.routes).toEqual([{ pattern: "connect.example.com", custom_domain: true }]);

    // A claim link (stdin is not a terminal): its token's hash, and only that, went into D1.
    const claim = /https:\/\/connect\.example\.com\/claim\/([0-9a-f]{64})/.exec(run.stdout);
    expect(claim, run.stdout).not.toBeNull();
    const insert = acct.sql.find((s: string) => s.includes("INSERT INTO invites"));
    expect(insert).toContain(createHash("sha256").update(claim![1]).digest("hex"));
    expect(insert).not.toContain(claim![1]);
    expect(insert).toContain("'invite.created'");

    expect(run.stdout).toContain("export API_HOST=https://connect.example.com");
    expect(run.stdout).toContain("export ATHENA_HOST=wss://connect.example.com");

    // The secrets went through stdin only: not in argv, output, config or state file.
    const secrets = Object.values(account().secrets) as string[];
    expect(secrets).toHaveLength(2);
    const puts = calls().filter((c) => c.argv[0] === "secret" && c.argv[1] === "put");
    expect(puts.map((c) => [c.argv, c.stdinLength])).toEqual([
      [["secret", "put", "JWT_SECRET"], 64],
      [["secret", "put", "URL_SIGNING_SECRET"], 64],
    ]);
    const everywhere = [
      run.all,
      readFileSync(path.join(fakeState, "calls.jsonl"), "utf8"),
      configText(),
      readFileSync(path.join(project, ".wrangler/setup-state.json"), "utf8"),
    ].join("\n");
    for (const secret of secrets) {
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(everywhere).not.toContain(secret);
    }
  });

  it("creates nothing new when run again, with or without its state file", () => {
    expect(setup(["--domain", "connect.example.com"]).code).toBe(0);
    const before = account();

    clearCalls();
    const again = setup([]);
    expect(again.code, again.all).toBe(0);
    // Only the login check and the deploy (re-running setup is how the code is updated).
    expect(calls().map(label)).toEqual(["whoami --json", "deploy --var"]);
    expect(again.stdout).toContain("export API_HOST=https://connect.example.com");

    // Nobody claimed the server yet: --claim-link makes a new link and revokes the earlier ones.
    clearCalls();
    const reclaim = setup(["--claim-link"]);
    expect(reclaim.code, reclaim.all).toBe(0);
    expect(calls().map(label).slice(-2)).toEqual([
      "d1 execute DB --remote --json --command",
      "d1 execute DB --remote --command",
    ]);
    expect(reclaim.stdout).toMatch(/https:\/\/connect\.example\.com\/claim\/[0-9a-f]{64}/);
    expect(account().sql.at(-1)).toMatch(
      /^UPDATE invites SET revoked_at = \d+ WHERE role = 'admin' AND created_by IS NULL AND used_at IS NULL/,
    );

    // The config reset to the repository's (e.g. by git): ids and domain come back from the account and the state.
    cpSync(path.join(ROOT, "wrangler.jsonc"), path.join(project, "wrangler.jsonc"));
    clearCalls();
    const reset = setup([]);
    expect(reset.code, reset.all).toBe(0);
    expect(calls().map(label)).toEqual(["whoami --json", "d1 list --json", "deploy --var"]);
    expect(config().d1_databases[0].database_id).toBe(before.databases[0].uuid);
    expect(config().routes).toEqual([{ pattern: "connect.example.com", custom_domain: true }]);

    // Without the state file (another clone): everything is looked up, nothing is created, secrets are kept.
    rmSync(path.join(project, ".wrangler/setup-state.json"));
    clearCalls();
    const fresh = setup([]);
    expect(fresh.code, fresh.all).toBe(0);
    const labels = calls().map(label);
    expect(labels.filter((l) => / create |^secret put/.test(l))).toEqual([]);
    const after = account();
    expect(after.databases).toEqual(before.databases);
    expect(after.queues).toEqual(before.queues);
    expect(after.secrets).toEqual(before.secrets);
    expect(Object.keys(after.objects)).toEqual(Object.keys(before.objects));
    expect(config().d1_databases[0].database_id).toBe(before.databases[0].uuid);
  });

  it("resumes after a failure midway without redoing what was finished", () => {
    const failed = setup(["--domain", "connect.example.com"], {
      FAKE_WRANGLER_FAIL: "queues create edge-connect-uploads-dlq",
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("resumes where it stopped");
    expect(calls().map(label)).toEqual(FIRST_RUN.slice(0, 9));
    // What finished before the failure is already in the config.
    expect(config().d1_databases[0].database_id).toBe(account().databases[0].uuid);

    clearCalls();
    const resumed = setup(["--domain", "connect.example.com"]);
    expect(resumed.code, resumed.all).toBe(0);
    expect(calls().map(label)).toEqual(["whoami --json", ...FIRST_RUN.slice(7)]);
    const acct = account();
    expect(acct.databases).toHaveLength(1);
    expect(acct.buckets).toHaveLength(1);
    expect(acct.queues).toHaveLength(2);
  });

  it("--dry-run prints the plan a first run follows and changes nothing", () => {
    const snapshot = () =>
      readdirSync(project, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => {
          const file = path.join(e.parentPath, e.name);
          return `${path.relative(project, file)} ${createHash("sha256").update(readFileSync(file)).digest("hex")}`;
        })
        .sort();
    const before = snapshot();
    const dry = setup(["--dry-run"]);
    expect(dry.code, dry.all).toBe(0);
    expect(snapshot()).toEqual(before);
    expect(existsSync(path.join(project, ".wrangler"))).toBe(false);
    expect(calls()).toEqual([]);

    // Its numbered lines are exactly the commands a real first run then runs, in the same order.
    const planned = dry.stdout
      .split("\n")
      .filter((l) => /^\s*\d+\. wrangler /.test(l))
      .map((l) => l.replace(/^\s*\d+\. wrangler /, "").replace(/ {2}< .*$/, ""));
    expect(planned).toHaveLength(FIRST_RUN.length);
    expect(setup(["--domain", "connect.example.com"]).code).toBe(0);
    calls().forEach((c, i) => {
      for (const word of label(c).split(" ")) expect(planned[i]).toContain(word);
    });
  });

  it("--no-domain deploys on workers.dev and prints that URL for the devices", () => {
    const run = setup(["--no-domain"]);
    expect(run.code, run.all).toBe(0);
    const cfg = config();
    expect(cfg.routes).toBeUndefined();
    expect(cfg.workers_dev).toBe(true);
    expect(run.stdout).toContain("export API_HOST=https://edge-connect.owner.workers.dev");
    expect(run.stdout).toContain("export ATHENA_HOST=wss://edge-connect.owner.workers.dev");
    expect(run.stdout).toMatch(/https:\/\/edge-connect\.owner\.workers\.dev\/claim\/[0-9a-f]{64}/);
  });
});

describe("first admin account SQL", () => {
  it("stores a hash the Worker's sign-in accepts, an admin role and an audit event without the email", async () => {
    const { id, sql } = await adminAccountSql("Owner@Example.com", "Correct-Horse-9-Battery");
    const values = /INSERT INTO users .* VALUES \('([0-9a-f]{16})', '([^']+)', NULL, '([^']+)', 'admin', \d+\);/.exec(
      sql,
    );
    expect(values?.[1]).toBe(id);
    expect(values?.[2]).toBe("owner@example.com");
    expect(await verifyPassword("Correct-Horse-9-Battery", values![3])).toBe(true);
    expect(await verifyPassword("Correct-Horse-9-Batterz", values![3])).toBe(false);
    const audit = sql.split("\n")[1];
    expect(audit).toContain("'account.created'");
    expect(audit).not.toContain("example.com");
  });

  it("refuses what registration refuses", () => {
    expect(adminInputProblem("not-an-email", "Correct-Horse-9-Battery")).toMatch(/email/);
    expect(adminInputProblem("owner@example.com", "short")).toMatch(/12 characters/);
    expect(adminInputProblem("owner@example.com", "Correct-Horse-9-Battery")).toBeNull();
  });
});
