/**
 * The steps of `npm run setup`, in order. Each one first asks whether its work is already done (the state file,
 * then the account itself) and only then creates or changes something, so any run can be interrupted and re-run.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ConfigFile, PLACEHOLDER_DATABASE_ID, configuredDomain, resourceNames } from "./config";
import { ADMIN_COUNT_SQL, adminAccountSql, adminInputProblem, claimLinkSql } from "./first-admin";
import { ask, askHidden, interactive } from "./prompt";
import type { SetupState } from "./state";
import type { Wrangler } from "./wrangler";

export interface SetupOptions {
  dryRun: boolean;
  /** A hostname, null for --no-domain (workers.dev), undefined to ask (or keep the configured one). */
  domain: string | null | undefined;
  claimLink: boolean;
  skipBuild: boolean;
  rotateSecrets: boolean;
}

export interface SetupContext {
  dir: string;
  config: ConfigFile;
  state: SetupState;
  wrangler: Wrangler;
  opts: SetupOptions;
  /** Filled in as the run goes: the server's URL and the first-admin outcome to print at the end. */
  result: { url?: string; admin?: string };
}

export const SECRETS = ["JWT_SECRET", "URL_SIGNING_SECRET"] as const;
export const MAP_KEY_DEFAULT = "maps/world.pmtiles";

/** The JSON a wrangler command printed, skipping any banner or notice lines before it. */
export function jsonOutput(stdout: string): unknown {
  const start = stdout.search(/^[[{]/m);
  if (start < 0) throw new Error(`wrangler printed no JSON: ${stdout.trim().slice(0, 200)}`);
  return JSON.parse(stdout.slice(start));
}

const log = (text: string) => console.log(`\n▸ ${text}`);
const skip = (text: string) => console.log(`  ✓ ${text}`);

export async function checkLogin(ctx: SetupContext): Promise<void> {
  log("Cloudflare login");
  const res = await ctx.wrangler.run(["whoami", "--json"], {
    allowFail: true,
    note: "fails unless logged in (`npx wrangler login`) or CLOUDFLARE_API_TOKEN is set",
  });
  let who: { loggedIn?: boolean; email?: string; accounts?: { id: string; name: string }[] } = {};
  try {
    who = jsonOutput(res.stdout) as typeof who;
  } catch {
    /* not JSON: not logged in */
  }
  if (res.code !== 0 || !who.loggedIn) throw new Error("Not logged in to Cloudflare: run `npx wrangler login` first.");
  const accounts = who.accounts ?? [];
  const chosen = process.env.CLOUDFLARE_ACCOUNT_ID ?? (accounts.length === 1 ? accounts[0].id : undefined);
  if (!chosen) {
    throw new Error(
      `This login has ${accounts.length} accounts (${accounts.map((a) => `${a.name}: ${a.id}`).join(", ")}). ` +
        "Choose one with CLOUDFLARE_ACCOUNT_ID=<id> npm run setup.",
    );
  }
  ctx.state.forAccount(chosen);
  skip(`account ${accounts.find((a) => a.id === chosen)?.name ?? chosen}`);
}

export async function ensureDatabase(ctx: SetupContext): Promise<void> {
  const { database, databaseId } = resourceNames(ctx.config.value);
  log(`D1 database ${database}`);
  const recorded = ctx.state.get<string>("d1");
  if (recorded && recorded === databaseId) return skip(`database_id ${databaseId}`);
  const list = await ctx.wrangler.run(["d1", "list", "--json"], { note: "is the database there already?" });
  const found = (jsonOutput(list.stdout) as { uuid: string; name: string }[]).find((d) => d.name === database);
  let id = found?.uuid;
  if (!id) {
    const created = await ctx.wrangler.run(["d1", "create", database], { note: "only when the list lacks it" });
    id = /"?database_id"?\s*[:=]\s*"([^"]+)"/.exec(created.stdout)?.[1];
    if (!id) throw new Error("could not read the new database_id from `wrangler d1 create`");
  } else skip(`found ${id}`);
  const entries = ctx.config.value.d1_databases ?? [];
  const index = entries.findIndex((d) => d.database_name === database);
  ctx.config.set(["d1_databases", index, "database_id"], id);
  ctx.config.save();
  console.log(`     → ${path.basename(ctx.config.file)}: d1_databases[DB].database_id = ${id}`);
  ctx.state.done("d1", id);
}

/** `info` by exact name rather than `list`: queue lists are paged, and the answer needs no table parsing. */
async function exists(ctx: SetupContext, args: string[]): Promise<boolean> {
  const res = await ctx.wrangler.run(args, { allowFail: true, note: "is it there already?" });
  if (res.code === 0) return true;
  if (/does not exist|not found|10006|11000/i.test(res.stdout + res.stderr)) return false;
  throw new Error(`wrangler ${args.join(" ")} failed: ${(res.stderr || res.stdout).trim().split("\n").pop()}`);
}

export async function ensureBucket(ctx: SetupContext): Promise<void> {
  const { bucket } = resourceNames(ctx.config.value);
  log(`R2 bucket ${bucket}`);
  if (ctx.state.get("r2") === bucket) return skip("exists");
  if (await exists(ctx, ["r2", "bucket", "info", bucket])) skip("found");
  else await ctx.wrangler.run(["r2", "bucket", "create", bucket], { note: "only when it does not exist" });
  ctx.state.done("r2", bucket);
}

export async function ensureQueues(ctx: SetupContext): Promise<void> {
  for (const queue of resourceNames(ctx.config.value).queues) {
    log(`Queue ${queue}`);
    if (ctx.state.get(`queue:${queue}`)) {
      skip("exists");
      continue;
    }
    if (await exists(ctx, ["queues", "info", queue])) skip("found");
    else await ctx.wrangler.run(["queues", "create", queue], { note: "only when it does not exist" });
    ctx.state.done(`queue:${queue}`);
  }
}

/**
 * Secrets are set once: rotating JWT_SECRET invalidates every access token and rotating URL_SIGNING_SECRET breaks share links
 * and pending upload URLs, so a re-run keeps them unless --rotate-secrets. Values go through stdin only.
 */
export async function ensureSecrets(ctx: SetupContext): Promise<void> {
  log("Secrets");
  const missing = SECRETS.filter((name) => ctx.opts.rotateSecrets || !ctx.state.get(`secret:${name}`));
  if (missing.length === 0) return skip(`${SECRETS.join(", ")} are set`);
  let present: string[] = [];
  if (!ctx.opts.rotateSecrets) {
    // The Worker does not exist before the first deploy: then the list fails and nothing is present.
    const list = await ctx.wrangler.run(["secret", "list", "--format", "json"], {
      allowFail: true,
      note: "which secrets does the Worker already have? (kept, not rotated)",
    });
    try {
      present = (jsonOutput(list.stdout) as { name: string }[]).map((s) => s.name);
    } catch {
      present = [];
    }
  }
  for (const name of missing) {
    if (present.includes(name)) skip(`${name} already set (kept)`);
    else {
      await ctx.wrangler.run(["secret", "put", name], {
        stdin: { value: randomBytes(32).toString("hex"), describe: "64 random hex characters on stdin, never shown" },
        note: "creates a placeholder Worker on the first run; the deploy replaces it",
      });
      console.log(`  ${name} generated and stored (not shown)`);
    }
    ctx.state.done(`secret:${name}`);
  }
}

function hashFiles(files: string[]): string {
  const h = createHash("sha256");
  for (const f of files) h.update(f).update(existsSync(f) ? readFileSync(f) : "");
  return h.digest("hex").slice(0, 16);
}

export async function applyMigrations(ctx: SetupContext): Promise<void> {
  log("D1 migrations");
  const dir = path.join(ctx.dir, "migrations");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".sql")) : [];
  const stamp = hashFiles(files.sort().map((f) => path.join(dir, f)));
  if (ctx.state.get("migrations") === stamp) return skip(`${files.length} migrations applied`);
  await ctx.wrangler.run(["d1", "migrations", "apply", "DB", "--remote"], {
    echo: true,
    note: "applies only the ones not yet applied",
  });
  ctx.state.done("migrations", stamp);
}

/** The embedded world basemap into R2 and the Natural Earth places into D1 (each only when its file changed). */
export async function loadMaps(ctx: SetupContext): Promise<void> {
  log("World basemap and place index");
  const build = path.join(ctx.dir, "tiles", "build");
  const archive = path.join(build, "world.pmtiles");
  const places = path.join(build, "places.sql");
  if (!existsSync(archive) || !existsSync(places)) {
    await ctx.wrangler.runOther("npm", ["run", "maps:build"], { note: "builds tiles/build/ offline when missing" });
  }
  const { bucket } = resourceNames(ctx.config.value);
  const archiveStamp = hashFiles([archive]);
  const mapKey = ctx.config.value.vars?.MAP_ARCHIVE_KEY ?? MAP_KEY_DEFAULT;
  // A region from `npm run maps:region` lives under its own key; the world archive is then left alone.
  if (mapKey !== MAP_KEY_DEFAULT) skip(`MAP_ARCHIVE_KEY is ${mapKey}: the embedded world basemap is not uploaded`);
  else if (ctx.state.get("basemap") === archiveStamp) skip(`${bucket}/${MAP_KEY_DEFAULT} is up to date`);
  else {
    await ctx.wrangler.run(
      [
        "r2",
        "object",
        "put",
        `${bucket}/${MAP_KEY_DEFAULT}`,
        "--file",
        "tiles/build/world.pmtiles",
        "--content-type",
        "application/vnd.pmtiles",
        "--remote",
      ],
      { echo: true },
    );
    ctx.state.done("basemap", archiveStamp);
  }
  const placesStamp = hashFiles([places]);
  if (ctx.state.get("places") === placesStamp) skip("place index is up to date");
  else {
    await ctx.wrangler.run(["d1", "execute", "DB", "--remote", "--yes", "--file", "tiles/build/places.sql"], {
      note: "replaces the Natural Earth rows; safe to repeat",
    });
    ctx.state.done("places", placesStamp);
  }
}

export function normaliseDomain(input: string): string {
  const host = input
    .trim()
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host)) {
    throw new Error(`"${input}" is not a domain name like connect.example.com`);
  }
  return host;
}

/** Which domain to deploy on: --domain / --no-domain, else the configured one, else ask. Runs before any work. */
export async function chooseDomain(ctx: SetupContext): Promise<string | null> {
  if (ctx.opts.domain !== undefined) return ctx.opts.domain;
  const configured = configuredDomain(ctx.config.value);
  if (configured) return configured;
  // The config lost its routes (e.g. reset by a `git pull`): the choice of the last run still stands.
  const remembered = ctx.state.get<string | null>("domain");
  if (remembered !== undefined) return remembered;
  if (ctx.opts.dryRun) return "connect.example.com";
  if (!interactive()) throw new Error("Pass --domain connect.example.com (a zone on this account) or --no-domain.");
  const answer = await ask(
    "Custom domain for the server (a hostname in a zone on this Cloudflare account, e.g. connect.example.com;\n" +
      "empty = use *.workers.dev, where the Cache API does not work): ",
  );
  return answer ? normaliseDomain(answer) : null;
}

export function writeDomain(ctx: SetupContext, domain: string | null): void {
  log(domain ? `Custom domain ${domain}` : "No custom domain: *.workers.dev");
  if (domain) {
    ctx.config.set(["routes"], [{ pattern: domain, custom_domain: true }]);
    ctx.config.set(["workers_dev"], false);
    ctx.config.set(["vars", "PUBLIC_URL"], `https://${domain}`);
    ctx.result.url = `https://${domain}`;
  } else {
    ctx.config.set(["routes"], undefined);
    ctx.config.set(["workers_dev"], true);
    ctx.config.set(["vars", "PUBLIC_URL"], "");
  }
  ctx.config.save();
  ctx.state.done("domain", domain);
  console.log(
    `     → ${path.basename(ctx.config.file)}: ` +
      (domain
        ? `routes = [{ pattern: "${domain}", custom_domain: true }], workers_dev = false, vars.PUBLIC_URL = "https://${domain}"`
        : `no routes, workers_dev = true, vars.PUBLIC_URL = ""`),
  );
}

function gitCommit(dir: string): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return "unknown";
  }
}

/** Build and deploy run every time: re-running setup after `git pull` is how the server is updated. */
export async function deploy(ctx: SetupContext): Promise<void> {
  log("Build and deploy");
  if (database_placeholder(ctx)) throw new Error("database_id is still the placeholder");
  if (ctx.opts.skipBuild) skip("web build skipped (--skip-build)");
  else await ctx.wrangler.runOther("npm", ["run", "build:web"], { note: "the PWA into web/dist" });
  const res = await ctx.wrangler.run(["deploy", "--var", `COMMIT:${gitCommit(ctx.dir)}`], {
    echo: true,
    note: "COMMIT is what /api/v1/health reports",
  });
  const workersDev = /https:\/\/[a-z0-9.-]+\.workers\.dev/i.exec(res.stdout)?.[0];
  ctx.result.url ??= workersDev;
  ctx.state.done("deploy", { commit: gitCommit(ctx.dir), url: ctx.result.url ?? null });
}

const database_placeholder = (ctx: SetupContext) =>
  !ctx.opts.dryRun && resourceNames(ctx.config.value).databaseId === PLACEHOLDER_DATABASE_ID;

export async function ensureFirstAdmin(ctx: SetupContext): Promise<void> {
  log("First administrator");
  const earlier = ctx.state.get<string>("admin");
  // A lost or expired claim link: `--claim-link` again makes a new one as long as nobody has claimed the server.
  if (earlier && !(earlier === "claim-link" && ctx.opts.claimLink)) return skip(`done earlier (${earlier})`);
  const count = await ctx.wrangler.run(["d1", "execute", "DB", "--remote", "--json", "--command", ADMIN_COUNT_SQL], {
    note: "does the server have an administrator already?",
  });
  const n = Number((jsonOutput(count.stdout) as { results?: { n: number }[] }[])[0]?.results?.[0]?.n ?? 0);
  if (n > 0) {
    ctx.state.done("admin", "existing");
    ctx.result.admin = "an administrator already exists (nothing created)";
    return skip(ctx.result.admin);
  }
  const useClaimLink = ctx.opts.claimLink || ctx.opts.dryRun || !interactive();
  if (useClaimLink) {
    const claim = claimLinkSql();
    // Only the token's hash is in this SQL; the token itself is printed once, below, and stored nowhere.
    await ctx.wrangler.run(["d1", "execute", "DB", "--remote", "--command", claim.sql], {
      note:
        "a one-time claim invite (role admin, 24 h); only the token's SHA-256 is stored. In a terminal without " +
        "--claim-link, setup asks for the admin's email and password instead and runs d1 execute --file <private temp file>",
    });
    ctx.result.admin = `claim link (one use, valid 24 h): ${ctx.result.url ?? "https://<host>"}${claim.path}`;
    ctx.state.done("admin", "claim-link");
    return;
  }
  const { email, password } = await askAdmin();
  const account = await adminAccountSql(email, password);
  // The password hash goes through a private temp file rather than argv, where other local users could read it.
  const tmp = mkdtempSync(path.join(tmpdir(), "edge-connect-setup-"));
  const file = path.join(tmp, "first-admin.sql");
  writeFileSync(file, account.sql, { mode: 0o600 });
  try {
    await ctx.wrangler.run(["d1", "execute", "DB", "--remote", "--yes", "--file", file]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  ctx.result.admin = `administrator account ${email.trim().toLowerCase()} created; sign in with it`;
  ctx.state.done("admin", "account");
}

async function askAdmin(): Promise<{ email: string; password: string }> {
  console.log("  Create the administrator account (or stop and re-run with --claim-link for a one-time link).");
  for (;;) {
    const email = await ask("  Email: ");
    const password = await askHidden("  Password (12+ characters, hidden): ");
    const again = await askHidden("  Password again: ");
    const problem = password !== again ? "The passwords differ" : adminInputProblem(email, password);
    if (!problem) return { email, password };
    console.log(`  ${problem}; try again.`);
  }
}

export function printSummary(ctx: SetupContext): void {
  const url = ctx.result.url ?? "https://<your server>";
  const host = url.replace(/^https:\/\//, "");
  console.log(`
edge-connect is running at ${url}
${ctx.result.admin ? `First administrator: ${ctx.result.admin}\n` : ""}
On each device (SSH in as comma), at the top of /data/openpilot/launch_env.sh:
  export API_HOST=https://${host}
  export ATHENA_HOST=wss://${host}
then: rm -f /data/params/d/DongleId; sudo rm -f /persist/comma/dongle_id; sudo reboot
(README → "Point a device at it").

Re-run \`npm run setup\` any time: it skips what is done and deploys the current code.`);
}
