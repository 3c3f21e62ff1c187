/**
 * `npm run restore -- --from DIR [--local|--remote] [--persist-to DIR] [--force]` (docs/backup.md): loads a backup
 * made by `npm run backup` into an EMPTY D1 database, then rebuilds the FTS5 place index from `places` and checks
 * every table's row count against the backup. A database holding tables is refused unless --force, which drops
 * them all first. R2 objects are not copied (docs/backup.md says how); the target bucket is checked against the
 * manifest and the objects it lacks or holds in another version are printed.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PLACES_FTS_DDL, PLACES_FTS_REBUILD } from "../worker/db/places-fts";
import { BACKUP_FILES, type BackupSummary } from "./backup";
import {
  countRows,
  isInternal,
  listBucket,
  parseArgs,
  type R2Entry,
  readSchema,
  type SchemaRow,
  type Target,
  withBindings,
  wranglerD1,
} from "./lib/d1-backup";

export interface RestoreReport {
  tables: Record<string, number>;
  /** Tables whose row count differs from the backup's (empty when the restore is faithful). */
  mismatched: string[];
  r2: { expected: number; present: number; missing: string[]; changed: string[] };
}

export async function restore(target: Target, fromDir: string, opts: { force?: boolean } = {}): Promise<RestoreReport> {
  const summary = JSON.parse(readFileSync(path.join(fromDir, BACKUP_FILES.summary), "utf8")) as BackupSummary;
  const d1File = path.join(fromDir, BACKUP_FILES.d1);
  if (summary.format !== 1 || !existsSync(d1File)) throw new Error(`${fromDir} is not a backup made by npm run backup`);

  const existing = await withBindings(target, async (env) =>
    (await readSchema(env.DB)).filter((r) => !isInternal(r.name)),
  );
  if (existing.some((r) => r.type === "table")) {
    if (!opts.force) {
      const names = existing.filter((r) => r.type === "table").map((r) => r.name);
      throw new Error(
        `the target database is not empty (${names.length} tables: ${names.slice(0, 5).join(", ")}…); ` +
          "restore into a new database, or pass --force to drop everything in it first",
      );
    }
    await withBindings(target, (env) => dropAll(env.DB, existing));
  }

  wranglerD1("execute", target, ["--file", d1File, "-y"], { quiet: true });

  return withBindings(target, async (env) => {
    // The place index was left out of the export (a virtual table); the same statements as the geocoder's rebuild it.
    await env.DB.batch([...PLACES_FTS_DDL, PLACES_FTS_REBUILD].map((s) => env.DB.prepare(s)));
    const tables = await countRows(env.DB, Object.keys(summary.tables));
    const mismatched = Object.keys(summary.tables).filter((t) => tables[t] !== summary.tables[t]);
    return { tables, mismatched, r2: compareBucket(readManifest(fromDir), await listBucket(env.MEDIA)) };
  });
}

/** Triggers and views first, then virtual tables (their shadow tables go with them), then the rest. */
async function dropAll(db: D1Database, schema: SchemaRow[]): Promise<void> {
  const virtual = schema.filter((r) => r.type === "table" && /^CREATE VIRTUAL TABLE/i.test(r.sql ?? ""));
  const shadow = (name: string) => virtual.some((v) => name.startsWith(`${v.name}_`));
  const statements = [
    ...schema.filter((r) => r.type === "trigger").map((r) => `DROP TRIGGER IF EXISTS "${r.name}"`),
    ...schema.filter((r) => r.type === "view").map((r) => `DROP VIEW IF EXISTS "${r.name}"`),
    ...virtual.map((r) => `DROP TABLE IF EXISTS "${r.name}"`),
    // Children before parents: in creation order reversed, the referencing tables come first.
    ...schema
      .filter((r) => r.type === "table" && !virtual.includes(r) && !shadow(r.name))
      .reverse()
      .map((r) => `DROP TABLE IF EXISTS "${r.name}"`),
  ];
  await db.batch([db.prepare("PRAGMA defer_foreign_keys = TRUE"), ...statements.map((s) => db.prepare(s))]);
}

function readManifest(dir: string): R2Entry[] {
  const file = path.join(dir, BACKUP_FILES.manifest);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as R2Entry);
}

/** What the restored database may point at that the bucket does not hold (yet): the R2 copy is a separate step. */
function compareBucket(expected: R2Entry[], actual: R2Entry[]): RestoreReport["r2"] {
  const byKey = new Map(actual.map((o) => [o.key, o]));
  const missing: string[] = [];
  const changed: string[] = [];
  for (const o of expected) {
    const found = byKey.get(o.key);
    if (!found) missing.push(o.key);
    else if (found.size !== o.size || found.etag !== o.etag) changed.push(o.key);
  }
  return { expected: expected.length, present: expected.length - missing.length, missing, changed };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const { target, values, flags } = parseArgs(process.argv.slice(2), ["from"]);
    if (!values.from) {
      throw new Error("usage: npm run restore -- --from DIR [--local|--remote] [--persist-to DIR] [--force]");
    }
    const report = await restore(target, values.from, { force: flags.has("force") });
    const rows = Object.values(report.tables).reduce((a, b) => a + b, 0);
    console.log(`restore: ${Object.keys(report.tables).length} tables, ${rows} rows; place search index rebuilt`);
    if (report.mismatched.length) {
      console.error(`restore: row counts differ from the backup in: ${report.mismatched.join(", ")}`);
      process.exitCode = 1;
    }
    const { expected, present, missing, changed } = report.r2;
    console.log(`restore: R2 holds ${present} of the ${expected} objects in the manifest`);
    for (const key of [...missing.slice(0, 20)]) console.log(`  missing  ${key}`);
    for (const key of [...changed.slice(0, 20)]) console.log(`  changed  ${key}`);
    if (missing.length + changed.length > 40) console.log("  …");
  } catch (err) {
    console.error(`restore failed: ${(err as Error).message}`);
    process.exit(1);
  }
}
