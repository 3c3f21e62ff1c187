/**
 * `npm run backup -- [--local|--remote] --out DIR [--persist-to DIR]` (docs/backup.md): writes into DIR
 *   d1.sql             every table, row, index, view and trigger but the FTS5 place index, which D1 cannot export
 *                      (the rows by `wrangler d1 export`; `npm run restore` rebuilds the index from `places`)
 *   r2-manifest.jsonl  one line per object of the media bucket: key, size, etag, upload time
 *   backup.json        when, from where, each table's row count and what was left out, for the restore's checks
 * The default is --local (wrangler's local state, as `npm run dev` uses it). While the rows are exported the place
 * index is out of the source database (searches rebuild it on demand); it is rebuilt at the end.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PLACES_FTS_DDL, PLACES_FTS_DROP, PLACES_FTS_REBUILD, PLACES_FTS_TABLE } from "../worker/db/places-fts";
import {
  exportPlan,
  listBucket,
  mediaBucket,
  parseArgs,
  readSchema,
  type SchemaRow,
  type Target,
  withBindings,
  wranglerD1,
} from "./lib/d1-backup";

export const BACKUP_FILES = { d1: "d1.sql", manifest: "r2-manifest.jsonl", summary: "backup.json" } as const;

export interface BackupSummary {
  format: 1;
  created_at: string;
  source: "local" | "remote";
  /** Rows of every table in d1.sql (the restore checks them). */
  tables: Record<string, number>;
  /** Left out of d1.sql and rebuilt on restore: the virtual tables, their shadow tables and triggers. */
  rebuilt_on_restore: string[];
  r2: { bucket: string; objects: number; bytes: number };
}

/** Virtual tables the restore knows how to rebuild (worker/db/places-fts.ts); any other one stops the backup. */
const REBUILDABLE = [PLACES_FTS_TABLE];

/**
 * d1.sql in the order that imports anywhere: every CREATE TABLE, then every row, then indexes, views and triggers
 * (after the rows, so a trigger does not fire on restored data). A single `wrangler d1 export` writes each table's
 * CREATE followed by its rows, in creation order, so a row can arrive before the table its foreign key names and
 * the import fails ("no such table: main.users"). So the rows come from `wrangler d1 export --no-schema`, the
 * schema from sqlite_master (the same text the export writes).
 */
function d1Sql(plan: ReturnType<typeof exportPlan>, rows: string): string {
  const statements = (list: SchemaRow[]) => list.map((r) => `${r.sql};`).join("\n");
  // AUTOINCREMENT counters come last in the rows; the inserts before them made their own, so clear those first.
  const rowsWithSequence = rows.replace(/^(?=INSERT INTO "sqlite_sequence")/m, "DELETE FROM sqlite_sequence;\n");
  return ["PRAGMA defer_foreign_keys=TRUE;", statements(plan.tableRows), rowsWithSequence, statements(plan.others)]
    .join("\n")
    .concat("\n");
}

const dropPlacesIndex = (env: { DB: D1Database }) => env.DB.batch(PLACES_FTS_DROP.map((s) => env.DB.prepare(s)));

/**
 * The rows, while the place index is out of the database: D1's remote export refuses a database holding any
 * virtual table, `--table` or not. A search in between recreates the index (services/maps/geocode.ts), which makes the
 * export refuse again: then drop and try again. The index is rebuilt afterwards in every case.
 */
async function exportRows(target: Target, plan: ReturnType<typeof exportPlan>, outDir: string): Promise<string> {
  const file = path.join(outDir, ".rows.sql");
  const tables = [...plan.tables, ...plan.sequence].flatMap((n) => ["--table", n]);
  try {
    for (let attempt = 1; ; attempt++) {
      // The first drop happened while the plan was read (one runtime start less).
      if (attempt > 1) await withBindings(target, dropPlacesIndex);
      try {
        wranglerD1("export", target, ["--output", file, "-y", "--no-schema", ...tables]);
        break;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
    return readFileSync(file, "utf8");
  } finally {
    rmSync(file, { force: true });
    await withBindings(target, (env) =>
      env.DB.batch([...PLACES_FTS_DDL, PLACES_FTS_REBUILD].map((s) => env.DB.prepare(s))),
    );
  }
}

export async function backup(target: Target, outDir: string): Promise<BackupSummary> {
  mkdirSync(outDir, { recursive: true });
  if (readdirSync(outDir).some((f) => Object.values(BACKUP_FILES).includes(f as never))) {
    throw new Error(`${outDir} already holds a backup; choose an empty directory`);
  }
  const { plan, objects } = await withBindings(target, async (env) => {
    const plan = exportPlan(await readSchema(env.DB));
    const unknown = plan.virtual.filter((v) => !REBUILDABLE.includes(v));
    if (unknown.length) throw new Error(`virtual tables the restore cannot rebuild: ${unknown.join(", ")}`);
    const objects = await listBucket(env.MEDIA);
    await dropPlacesIndex(env);
    return { plan, objects };
  });

  const rows = await exportRows(target, plan, outDir);
  // Counted in the export itself (one INSERT per line), so a live database written to meanwhile still agrees.
  const tables = Object.fromEntries(plan.tables.map((t) => [t, 0]));
  for (const [, table] of rows.matchAll(/^INSERT INTO "((?:[^"]|"")+)" /gm)) {
    if (table in tables) tables[table]++;
  }
  const sql = d1Sql(plan, rows);
  if (/^CREATE VIRTUAL TABLE/im.test(sql)) throw new Error("the D1 export holds a virtual table");
  writeFileSync(path.join(outDir, BACKUP_FILES.d1), sql);

  writeFileSync(
    path.join(outDir, BACKUP_FILES.manifest),
    objects.map((o) => JSON.stringify(o)).join("\n") + (objects.length ? "\n" : ""),
  );
  const summary: BackupSummary = {
    format: 1,
    created_at: new Date().toISOString(),
    source: target.remote ? "remote" : "local",
    tables,
    rebuilt_on_restore: plan.excluded,
    r2: { bucket: mediaBucket(), objects: objects.length, bytes: objects.reduce((n, o) => n + o.size, 0) },
  };
  writeFileSync(path.join(outDir, BACKUP_FILES.summary), JSON.stringify(summary, null, 2) + "\n");
  return summary;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const { target, values } = parseArgs(process.argv.slice(2), ["out"]);
    if (!values.out) throw new Error("usage: npm run backup -- [--local|--remote] --out DIR [--persist-to DIR]");
    const summary = await backup(target, values.out);
    const rows = Object.values(summary.tables).reduce((a, b) => a + b, 0);
    console.log(
      `backup: ${Object.keys(summary.tables).length} tables, ${rows} rows → ${path.join(values.out, BACKUP_FILES.d1)}; ` +
        `R2 ${summary.r2.bucket}: ${summary.r2.objects} objects, ${summary.r2.bytes} bytes → ${BACKUP_FILES.manifest}`,
    );
  } catch (err) {
    console.error(`backup failed: ${(err as Error).message}`);
    process.exit(1);
  }
}
