/**
 * `npm run setup`: from a fresh clone to a running server on your Cloudflare account (docs/deploy.md).
 *
 *   npm run setup [-- --domain connect.example.com | --no-domain] [--claim-link] [--dry-run]
 *                    [--skip-build] [--rotate-secrets] [--cwd DIR] [--config FILE]
 *
 * Idempotent and resumable: every step checks before it creates, and progress is kept in
 * .wrangler/setup-state.json, so after a failure you fix the cause and run it again. --dry-run prints every command
 * a first run would run, in order, and writes nothing.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigFile } from "./setup/config";
import { SetupState } from "./setup/state";
import {
  applyMigrations,
  checkLogin,
  chooseDomain,
  deploy,
  ensureBucket,
  ensureDatabase,
  ensureFirstAdmin,
  ensureQueues,
  ensureSecrets,
  loadMaps,
  normaliseDomain,
  printSummary,
  type SetupContext,
  writeDomain,
} from "./setup/steps";
import { DryRunWrangler, findWrangler, RealWrangler } from "./setup/wrangler";

const ROOT = path.resolve(import.meta.dirname, "..");

const { values } = parseArgs({
  options: {
    "dry-run": { type: "boolean", default: false },
    domain: { type: "string" },
    "no-domain": { type: "boolean", default: false },
    "claim-link": { type: "boolean", default: false },
    "skip-build": { type: "boolean", default: false },
    "rotate-secrets": { type: "boolean", default: false },
    cwd: { type: "string" },
    config: { type: "string" },
  },
});

async function main(): Promise<void> {
  const dir = path.resolve(values.cwd ?? ROOT);
  const configPath = path.resolve(dir, values.config ?? "wrangler.jsonc");
  const dryRun = values["dry-run"];
  // wrangler reads ./wrangler.jsonc from its cwd; any other file is named on every command.
  const configArgs =
    configPath === path.join(dir, "wrangler.jsonc") ? [] : ["--config", path.relative(dir, configPath)];
  if (values.domain && values["no-domain"]) throw new Error("--domain and --no-domain exclude each other");

  const ctx: SetupContext = {
    dir,
    config: new ConfigFile(configPath, !dryRun),
    state: new SetupState(dir, !dryRun),
    wrangler: dryRun ? new DryRunWrangler(configArgs) : new RealWrangler(findWrangler(dir), dir, configArgs),
    opts: {
      dryRun,
      domain: values["no-domain"] ? null : values.domain ? normaliseDomain(values.domain) : undefined,
      claimLink: values["claim-link"],
      skipBuild: values["skip-build"],
      rotateSecrets: values["rotate-secrets"],
    },
    result: {},
  };
  if (dryRun) {
    console.log(
      "Dry run: the commands a first setup runs, in order, for an account that has nothing yet.\n" +
        "Nothing is run and no file is written; a real run skips what already exists.\n",
    );
    // Step headings are noise in the plan: only the numbered commands are printed.
    console.log = (
      (log) =>
      (...args: unknown[]) => {
        if (typeof args[0] === "string" && /^\s*\d+\. |^\s+[#→] /.test(args[0])) log(...args);
      }
    )(console.log);
  }

  // Questions first, so the long part runs unattended (the admin's password is asked at the end, if at all).
  const domain = await chooseDomain(ctx);
  await checkLogin(ctx);
  await ensureDatabase(ctx);
  await ensureBucket(ctx);
  await ensureQueues(ctx);
  await ensureSecrets(ctx);
  await applyMigrations(ctx);
  await loadMaps(ctx);
  writeDomain(ctx, domain);
  await deploy(ctx);
  await ensureFirstAdmin(ctx);
  if (!dryRun) printSummary(ctx);
}

main().catch((err: unknown) => {
  console.error(`\nsetup stopped: ${err instanceof Error ? err.message : String(err)}`);
  console.error("Fix the cause and run `npm run setup` again: it resumes where it stopped.");
  process.exit(1);
});
