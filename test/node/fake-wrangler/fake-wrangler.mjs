/**
 * A stand-in for `wrangler` that plays a Cloudflare account kept in $FAKE_WRANGLER_STATE/account.json, so setup can
 * be tested without one. Every call is appended to calls.jsonl as { argv, stdinLength } (never stdin itself).
 * Outputs copy real wrangler 4's wording and JSON shapes for the commands setup parses.
 * $FAKE_WRANGLER_FAIL: when the joined argv contains this text, exit 1 like an API error (a failure midway).
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "jsonc-parser";

const dir = process.env.FAKE_WRANGLER_STATE;
if (!dir) {
  console.error("FAKE_WRANGLER_STATE is not set");
  process.exit(2);
}
const accountFile = path.join(dir, "account.json");
const account = existsSync(accountFile)
  ? JSON.parse(readFileSync(accountFile, "utf8"))
  : {
      databases: [],
      buckets: [],
      queues: [],
      worker: null,
      secrets: {},
      objects: {},
      migrations: [],
      sql: [],
      admins: 0,
      deploys: [],
    };
const save = () => writeFileSync(accountFile, JSON.stringify(account, null, 2));

const argv = process.argv.slice(2);
const needsStdin = argv[0] === "secret" && argv[1] === "put";
const stdin = needsStdin ? readFileSync(0, "utf8") : "";
appendFileSync(path.join(dir, "calls.jsonl"), `${JSON.stringify({ argv, stdinLength: stdin.length })}\n`);

const flag = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const positional = argv.filter((a, i) => !a.startsWith("--") && !(argv[i - 1] ?? "").startsWith("--"));
const out = (text) => process.stdout.write(`${text}\n`);
const fail = (text) => {
  process.stderr.write(`\n✘ [ERROR] ${text}\n\n`);
  process.exit(1);
};
const apiError = (route, message, code) =>
  fail(`A request to the Cloudflare API (${route}) failed.\n\n  ${message} [code: ${code}]`);

if (process.env.FAKE_WRANGLER_FAIL && argv.join(" ").includes(process.env.FAKE_WRANGLER_FAIL)) {
  apiError("/accounts/0123/…", "Internal error (injected by the test)", 10000);
}

const config = () => {
  const file = path.resolve(flag("--config") ?? "wrangler.jsonc");
  return parse(readFileSync(file, "utf8"), [], { allowTrailingComma: true });
};
const applySql = (sql) => {
  account.sql.push(sql);
  if (/INSERT INTO users\b[\s\S]*'admin'/.test(sql)) account.admins++;
};

const [a, , c] = positional;
switch (positional.slice(0, 2).join(" ")) {
  case "whoami":
    out(
      JSON.stringify({
        loggedIn: true,
        authType: "OAuth Token",
        email: "owner@example.com",
        accounts: [{ id: "0123456789abcdef0123456789abcdef", name: "Owner's Account" }],
        tokenPermissions: ["account:read", "workers:write", "d1:write"],
      }),
    );
    break;
  case "d1 list":
    out(JSON.stringify(account.databases, null, 2));
    break;
  case "d1 create": {
    if (account.databases.some((d) => d.name === c))
      apiError("/accounts/0123/d1/database", "A database with that name already exists", 7502);
    const db = {
      uuid: randomUUID(),
      name: c,
      created_at: new Date().toISOString(),
      version: "production",
      num_tables: 0,
      file_size: 12288,
    };
    account.databases.push(db);
    out(`✅ Successfully created DB '${c}' in region WEUR\nCreated your new D1 database.\n`);
    out("To access your new D1 Database in your Worker, add the following snippet to your configuration file:");
    out(
      JSON.stringify(
        { d1_databases: [{ binding: c.replace(/-/g, "_"), database_name: c, database_id: db.uuid }] },
        null,
        2,
      ),
    );
    break;
  }
  case "r2 bucket": {
    const name = positional[3];
    const exists = account.buckets.includes(name);
    if (c === "info") {
      if (!exists) apiError(`/accounts/0123/r2/buckets/${name}`, "The specified bucket does not exist.", 10006);
      out(
        `Getting info for '${name}'...\nname:                   ${name}\ncreated:                2026-12-01T10:00:00.000Z\nlocation:               WEUR\ndefault_storage_class:  Standard`,
      );
    } else if (c === "create") {
      if (exists)
        apiError("/accounts/0123/r2/buckets", "The bucket you tried to create already exists, and you own it.", 10004);
      account.buckets.push(name);
      out(`Creating bucket '${name}'...\n✅ Created bucket '${name}' with default storage class of Standard.`);
    } else fail(`unexpected r2 bucket ${c}`);
    break;
  }
  case "queues info": {
    const q = account.queues.find((x) => x.queue_name === c);
    if (!q) fail(`Queue "${c}" does not exist. To create it, run: wrangler queues create ${c}`);
    out(
      `Queue Name: ${q.queue_name}\nQueue ID: ${q.queue_id}\nCreated On: ${q.created_on}\nNumber of Producers: 0\nNumber of Consumers: 0`,
    );
    break;
  }
  case "queues create": {
    if (account.queues.some((x) => x.queue_name === c))
      apiError("/accounts/0123/queues", "Queue name already taken", 11009);
    account.queues.push({
      queue_id: randomUUID().replace(/-/g, ""),
      queue_name: c,
      created_on: new Date().toISOString(),
    });
    out(`🌀 Creating queue '${c}'\n✅ Created queue '${c}'`);
    break;
  }
  case "secret list":
    if (!account.worker)
      apiError(
        "/accounts/0123/workers/scripts/edge-connect/secrets",
        "This Worker does not exist on your account.",
        10007,
      );
    out(
      JSON.stringify(
        Object.keys(account.secrets).map((name) => ({ name, type: "secret_text" })),
        null,
        2,
      ),
    );
    break;
  case "secret put": {
    if (!stdin) fail("no secret value on stdin");
    if (!account.worker) {
      account.worker = "placeholder";
      out(`🌀 Creating new Worker "edge-connect"...`);
    }
    account.secrets[c] = stdin.trim();
    out(`🌀 Creating the secret for the Worker "edge-connect"\n✨ Success! Uploaded secret ${c}`);
    break;
  }
  case "d1 migrations": {
    const files = existsSync("migrations") ? readdirSorted("migrations") : [];
    const pending = files.filter((f) => !account.migrations.includes(f));
    if (pending.length === 0) out("✅ No migrations to apply!");
    else {
      account.migrations.push(...pending);
      out(
        `Migrations to be applied:\n${pending.map((f) => `│ ${f} │`).join("\n")}\n🚣 ${pending.length} commands executed successfully.`,
      );
    }
    break;
  }
  case "d1 execute": {
    const file = flag("--file");
    const sql = file ? readFileSync(file, "utf8") : (flag("--command") ?? "");
    if (/SELECT count\(\*\) AS n FROM users WHERE role = 'admin'/.test(sql)) {
      out(
        JSON.stringify(
          [
            {
              results: [{ n: account.admins }],
              success: true,
              meta: { served_by: "v3-prod", duration: 0.2, rows_read: 1, rows_written: 0 },
            },
          ],
          null,
          2,
        ),
      );
      break;
    }
    applySql(sql);
    save();
    out(
      argv.includes("--json")
        ? JSON.stringify([{ results: [], success: true, meta: {} }])
        : "🚣 Executed 3 commands in 1.2ms",
    );
    break;
  }
  case "r2 object": {
    const target = positional[3];
    const file = flag("--file");
    if (!file || !existsSync(file)) fail(`file not found: ${file}`);
    account.objects[target] = statSync(file).size;
    out(
      `Creating object "${target.split("/").slice(1).join("/")}" in bucket "${target.split("/")[0]}".\nUpload complete.`,
    );
    break;
  }
  default: {
    if (a !== "deploy") fail(`fake wrangler does not know: ${argv.join(" ")}`);
    const cfg = config();
    const db = cfg.d1_databases?.[0];
    if (!account.databases.some((d) => d.uuid === db?.database_id))
      apiError(
        "/accounts/0123/workers/scripts/edge-connect",
        `binding DB of type d1 must have a valid \`id\` specified [code: 10021]`,
        10021,
      );
    account.worker = "deployed";
    const vars = argv.flatMap((x, i) => (argv[i - 1] === "--var" ? [x] : []));
    account.deploys.push({ vars, routes: cfg.routes ?? [], workers_dev: cfg.workers_dev ?? true });
    out(
      "Total Upload: 2950.12 KiB / gzip: 801.33 KiB\nUploaded edge-connect (4.20 sec)\nDeployed edge-connect triggers (1.10 sec)",
    );
    if (cfg.workers_dev !== false) out("  https://edge-connect.owner.workers.dev");
    for (const r of cfg.routes ?? []) out(`  ${r.pattern} (custom domain)`);
    out(`  schedule: */15 * * * *\nCurrent Version ID: ${randomUUID()}`);
  }
}
save();

function readdirSorted(d) {
  return readdirSync(d)
    .filter((f) => f.endsWith(".sql"))
    .sort();
}
