/**
 * What `npm run backup` and `npm run restore` share: where the database and bucket are (local state or the
 * Cloudflare account), which tables a D1 export can carry, and the R2 inventory.
 *
 * Bindings: queries and the R2 listing go through `getPlatformProxy` (wrangler's own local runtime, or its remote
 * bindings for --remote) on a minimal config naming only D1 and R2, so no Worker, Durable Object or queue starts.
 * The export and the import themselves are `wrangler d1 export` / `wrangler d1 execute --file`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getPlatformProxy } from "wrangler";
import { OFFLINE_ENV, ROOT, run } from ".";

export const DB_BINDING = "DB";

export interface Target {
  remote: boolean;
  /** Local only: wrangler's state directory (its `--persist-to`); default `.wrangler/state` of the project. */
  persistTo?: string;
}

export interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

export interface R2Entry {
  key: string;
  size: number;
  etag: string;
  uploaded: string;
}

interface ProjectConfig {
  name: string;
  compatibility_date: string;
  d1_databases: { binding: string; database_name: string; database_id: string; preview_database_id?: string }[];
  r2_buckets: { binding: string; bucket_name: string }[];
}

/** wrangler.jsonc, comments and trailing commas removed (it is JSONC). */
export function projectConfig(): ProjectConfig {
  const text = readFileSync(path.join(ROOT, "wrangler.jsonc"), "utf8");
  const noComments = text.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_, str) => str ?? "");
  return JSON.parse(noComments.replace(/,(\s*[}\]])/g, "$1")) as ProjectConfig;
}

export function mediaBucket(): string {
  const bucket = projectConfig().r2_buckets.find((b) => b.binding === "MEDIA");
  if (!bucket) throw new Error("wrangler.jsonc has no MEDIA bucket");
  return bucket.bucket_name;
}

/**
 * A throw-away directory with a config naming only DB and MEDIA (remote: true for --remote). Its
 * `.wrangler/state` points at the chosen local state, because `wrangler d1 export --local` has no --persist-to
 * and always reads the state next to its config file.
 */
function scratchConfig(target: Target): { dir: string; configPath: string; dispose: () => void } {
  const project = projectConfig();
  const db = project.d1_databases.find((d) => d.binding === DB_BINDING);
  if (!db) throw new Error("wrangler.jsonc has no DB database");
  const dir = mkdtempSync(path.join(tmpdir(), "edge-connect-backup-"));
  const remote = target.remote ? { remote: true } : {};
  const config = {
    name: project.name,
    compatibility_date: project.compatibility_date,
    d1_databases: [{ ...db, migrations_dir: path.join(ROOT, "migrations"), ...remote }],
    r2_buckets: [{ binding: "MEDIA", bucket_name: mediaBucket(), ...remote }],
  };
  const configPath = path.join(dir, "wrangler.json");
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  mkdirSync(path.join(dir, ".wrangler"));
  symlinkSync(localState(target), path.join(dir, ".wrangler", "state"));
  return { dir, configPath, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

function localState(target: Target): string {
  return path.resolve(target.persistTo ?? path.join(ROOT, ".wrangler", "state"));
}

/** Runs `fn` with the D1 and R2 bindings of the target, then shuts the runtime down (before wrangler touches it). */
export async function withBindings<T>(target: Target, fn: (env: { DB: D1Database; MEDIA: R2Bucket }) => Promise<T>) {
  const scratch = scratchConfig(target);
  const proxy = await getPlatformProxy<{ DB: D1Database; MEDIA: R2Bucket }>({
    configPath: scratch.configPath,
    persist: { path: path.join(localState(target), "v3") },
    remoteBindings: target.remote,
    envFiles: [],
  });
  try {
    return await fn(proxy.env);
  } finally {
    await proxy.dispose();
    scratch.dispose();
  }
}

/** `wrangler d1 …` against the target; `args` come after the database name. */
export function wranglerD1(
  command: "export" | "execute",
  target: Target,
  args: string[],
  opts = { quiet: false },
): void {
  const scratch = scratchConfig(target);
  try {
    const where = target.remote ? ["--remote"] : ["--local"];
    run("npx", ["wrangler", "d1", command, DB_BINDING, "-c", scratch.configPath, ...where, ...args], {
      env: { ...OFFLINE_ENV, CI: "true" },
      // `execute --file` prints a JSON report per statement; errors still reach stderr.
      ...(opts.quiet ? { stdio: ["ignore", "ignore", "inherit"] } : {}),
    });
  } finally {
    scratch.dispose();
  }
}

export async function readSchema(db: D1Database): Promise<SchemaRow[]> {
  const { results } = await db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid")
    .all<SchemaRow>();
  return results;
}

/** SQLite's and D1's own tables (`_cf_KV`, `sqlite_sequence`…): never ours to copy or compare. */
export const isInternal = (name: string) => name.startsWith("_cf_") || name.startsWith("sqlite_");

/**
 * The split a D1 backup needs. Virtual tables (the FTS5 place index) cannot be exported; their shadow tables
 * (`places_fts_data`, `_idx`, `_docsize`, `_config`) and the triggers writing into them go with them. They are all
 * rebuilt from the plain tables on restore. Everything else is kept: tables with their rows, indexes, views and
 * the other triggers, with the SQL that made them (`sql` in sqlite_master, as a D1 export writes it).
 */
export function exportPlan(schema: SchemaRow[]) {
  const isVirtual = (r: SchemaRow) => r.type === "table" && /^CREATE VIRTUAL TABLE/i.test(r.sql ?? "");
  const virtual = schema.filter(isVirtual).map((r) => r.name);
  const derivedTables = schema
    .filter((r) => r.type === "table" && virtual.some((v) => r.name === v || r.name.startsWith(`${v}_`)))
    .map((r) => r.name);
  const derived = (r: SchemaRow) =>
    derivedTables.includes(r.tbl_name) || virtual.some((v) => new RegExp(`\\b${v}\\b`).test(r.sql ?? ""));
  const tableRows = schema.filter((r) => r.type === "table" && r.sql && !derived(r) && !isInternal(r.name));
  // AUTOINCREMENT counters: the export writes them back, so ids of deleted rows are not handed out again.
  const sequence = schema.some((r) => r.name === "sqlite_sequence") ? ["sqlite_sequence"] : [];
  const others = schema.filter((r) => r.type !== "table" && r.sql && !derived(r));
  const excluded = schema.filter((r) => r.sql && derived(r)).map((r) => r.name);
  return { tables: tableRows.map((r) => r.name), tableRows, sequence, others, virtual, excluded };
}

export async function countRows(db: D1Database, tables: string[]): Promise<Record<string, number>> {
  if (!tables.length) return {};
  const rows = await db.batch<{ n: number }>(tables.map((t) => db.prepare(`SELECT count(*) AS n FROM "${t}"`)));
  return Object.fromEntries(tables.map((t, i) => [t, rows[i].results[0].n]));
}

/** Every object of the bucket (key, size, etag, upload time), 1000 per listing call. */
export async function listBucket(bucket: R2Bucket): Promise<R2Entry[]> {
  const out: R2Entry[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ cursor, limit: 1000 });
    for (const o of page.objects)
      out.push({ key: o.key, size: o.size, etag: o.etag, uploaded: o.uploaded.toISOString() });
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

/** Parses `--local`, `--remote`, `--persist-to DIR` and the named value options of a backup/restore command line. */
export function parseArgs(argv: string[], valueOptions: string[]) {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}`);
    const name = arg.slice(2);
    if (name === "persist-to" || valueOptions.includes(name)) {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      values[name] = value;
    } else flags.add(name);
  }
  if (flags.has("local") && flags.has("remote")) throw new Error("choose --local or --remote, not both");
  if (flags.has("remote") && values["persist-to"]) throw new Error("--persist-to is for --local only");
  const target: Target = { remote: flags.has("remote"), persistTo: values["persist-to"] };
  return { target, values, flags };
}
