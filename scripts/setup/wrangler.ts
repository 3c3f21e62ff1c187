/**
 * Runs wrangler for setup, or, in a dry run, prints what would run. Both paths go through `Wrangler.run`, so the
 * dry-run plan is produced by the same code as a real run (with a fresh account's answers simulated).
 *
 * Which wrangler: the first `wrangler` on PATH, else the project's node_modules/.bin one. (`npm run` puts
 * node_modules/.bin first on PATH itself; tests put a fake first.)
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Sent on stdin; never printed, never in argv. What the plan shows instead. */
  stdin?: { value: string; describe: string };
  /** Show wrangler's output live (long steps: migrations, uploads, deploy). Otherwise it is captured only. */
  echo?: boolean;
  /** A non-zero exit is an answer (e.g. "does not exist"), not a failure. */
  allowFail?: boolean;
  /** One line for the plan saying why/when this runs. */
  note?: string;
}

export interface Wrangler {
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** A non-wrangler command (npm scripts), planned and run the same way. */
  runOther(cmd: string, args: string[], opts?: { note?: string }): Promise<void>;
}

export function findWrangler(projectDir: string, envPath = process.env.PATH ?? ""): string {
  for (const dir of envPath.split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, "wrangler"))) return path.join(dir, "wrangler");
  }
  const local = path.join(projectDir, "node_modules", ".bin", "wrangler");
  if (existsSync(local)) return local;
  throw new Error("wrangler not found: run `npm ci` first");
}

/** The environment wrangler runs with: no telemetry, no prompts (CI=true answers wrangler's own confirmations). */
export function wranglerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" };
}

export function formatCommand(cmd: string, args: string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

export class RealWrangler implements Wrangler {
  constructor(
    private readonly bin: string,
    private readonly cwd: string,
    private readonly configArgs: string[],
  ) {}

  run(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const full = [...args, ...this.configArgs];
    console.log(`  $ ${formatCommand("wrangler", args)}`);
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, full, { cwd: this.cwd, env: wranglerEnv(), stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d;
        if (opts.echo) process.stdout.write(d);
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d;
        if (opts.echo) process.stderr.write(d);
      });
      child.on("error", reject);
      child.on("close", (code) => {
        const result = { code: code ?? 1, stdout, stderr };
        if (result.code !== 0 && !opts.allowFail) {
          if (!opts.echo) process.stderr.write(stderr || stdout);
          reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (exit ${result.code})`));
        } else resolve(result);
      });
      // The secret goes through the pipe only; stdin is closed either way so wrangler never waits on a prompt.
      child.stdin.end(opts.stdin?.value ?? "");
    });
  }

  async runOther(cmd: string, args: string[]): Promise<void> {
    console.log(`  $ ${formatCommand(cmd, args)}`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(cmd, args, { cwd: this.cwd, env: wranglerEnv(), stdio: "inherit" });
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0 ? resolve() : reject(new Error(`${formatCommand(cmd, args)} failed (exit ${code})`)),
      );
    });
  }
}

/**
 * Prints every command with a number and answers as a fresh account would (nothing exists yet, nobody is admin),
 * so the plan shows every step a first run takes.
 */
export class DryRunWrangler implements Wrangler {
  private n = 0;
  constructor(private readonly configArgs: string[]) {}

  async run(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    this.print(formatCommand("wrangler", [...args, ...this.configArgs]), opts.note, opts.stdin?.describe);
    return simulateFreshAccount(args);
  }

  async runOther(cmd: string, args: string[], opts: { note?: string } = {}): Promise<void> {
    this.print(formatCommand(cmd, args), opts.note);
  }

  private print(command: string, note?: string, stdin?: string) {
    this.n++;
    console.log(`${String(this.n).padStart(3)}. ${command}${stdin ? `  < ${stdin}` : ""}`);
    if (note) console.log(`     # ${note}`);
  }
}

function simulateFreshAccount(args: string[]): RunResult {
  const cmd = args.slice(0, 2).join(" ");
  const ok = (stdout: string) => ({ code: 0, stdout, stderr: "" });
  if (args[0] === "whoami")
    return ok(JSON.stringify({ loggedIn: true, accounts: [{ id: "<account id>", name: "<your account>" }] }));
  if (cmd === "d1 list") return ok("[]");
  if (cmd === "d1 create") return ok(`"database_id": "<new database id>"`);
  if (args.slice(0, 3).join(" ") === "r2 bucket info" || cmd === "queues info")
    return { code: 1, stdout: "", stderr: "does not exist" };
  if (cmd === "secret list") return ok("[]");
  if (cmd === "d1 execute" && args.includes("--json")) return ok(JSON.stringify([{ results: [{ n: 0 }] }]));
  if (args[0] === "deploy") return ok("https://edge-connect.<your-subdomain>.workers.dev");
  return ok("");
}
