/**
 * Reads and edits wrangler.jsonc in place. jsonc-parser's modify/applyEdits changes only the touched values, so the
 * comments and layout that explain the config survive every setup run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { applyEdits, type JSONPath, modify, type ParseError, parse } from "jsonc-parser";

export interface WranglerConfig {
  name: string;
  vars?: Record<string, string>;
  d1_databases?: { binding: string; database_name: string; database_id: string }[];
  r2_buckets?: { binding: string; bucket_name: string }[];
  queues?: { producers?: { queue: string }[]; consumers?: { queue: string; dead_letter_queue?: string }[] };
  routes?: { pattern: string; custom_domain?: boolean }[];
  workers_dev?: boolean;
}

/** The placeholder committed in the repository: a database_id equal to it has not been set up yet. */
export const PLACEHOLDER_DATABASE_ID = "00000000-0000-0000-0000-000000000000";

export function parseConfig(text: string): WranglerConfig {
  const errors: ParseError[] = [];
  const config = parse(text, errors, { allowTrailingComma: true }) as WranglerConfig;
  if (errors.length) throw new Error(`wrangler config is not valid JSONC (offset ${errors[0].offset})`);
  return config;
}

/** A config file held in memory: edits accumulate in `text`, and `save` writes them (never in a dry run). */
export class ConfigFile {
  text: string;
  constructor(
    readonly file: string,
    private readonly write: boolean,
  ) {
    this.text = readFileSync(file, "utf8");
  }

  get value(): WranglerConfig {
    return parseConfig(this.text);
  }

  set(path: JSONPath, value: unknown): void {
    const edits = modify(this.text, path, value, { formattingOptions: { insertSpaces: true, tabSize: 2 } });
    this.text = applyEdits(this.text, edits);
  }

  save(): void {
    if (this.write) writeFileSync(this.file, this.text);
  }
}

/** The resource names the config asks for; setup creates or finds exactly these. */
export function resourceNames(config: WranglerConfig) {
  const db = config.d1_databases?.find((d) => d.binding === "DB");
  const bucket = config.r2_buckets?.find((b) => b.binding === "MEDIA");
  const queues = new Set<string>();
  for (const p of config.queues?.producers ?? []) queues.add(p.queue);
  for (const c of config.queues?.consumers ?? []) {
    queues.add(c.queue);
    if (c.dead_letter_queue) queues.add(c.dead_letter_queue);
  }
  if (!db || !bucket) throw new Error("wrangler config needs a D1 binding DB and an R2 binding MEDIA");
  return { database: db.database_name, databaseId: db.database_id, bucket: bucket.bucket_name, queues: [...queues] };
}

/** The custom domain the config already routes to, if any. */
export function configuredDomain(config: WranglerConfig): string | null {
  return config.routes?.find((r) => r.custom_domain)?.pattern ?? null;
}
