/**
 * `npm run admin -- <command>`: server administration from the command line, for when nobody can sign in as an
 * admin (the first admin of a closed server, a lost admin account). Talks to D1 through `wrangler d1 execute`, so it
 * works on the local database while `npm run dev` runs, and on the deployed one with --remote.
 *
 *   make-admin EMAIL                     give an existing account the admin role
 *   claim-link [--base-url URL]          print a one-time link (24 h) that creates an admin account
 *   invite [--role user|viewer|admin] [--email E] [--hours N] [--base-url URL]
 *                                        print a one-time sign-up link
 * Common options: --local (default) | --remote, --persist-to DIR (local state other than .wrangler/state).
 */
import { parseArgs } from "node:util";
import { D1Error, type D1Target, d1Execute } from "./lib/d1-execute";
import {
  findUserSql,
  makeAdminSql,
  newClaimInvite,
  newInvite,
  ROLES,
  type Role,
  systemAuditSql,
} from "./lib/admin-sql";

const USAGE = `usage: npm run admin -- make-admin EMAIL [--local|--remote] [--persist-to DIR]
       npm run admin -- claim-link [--local|--remote] [--base-url URL] [--persist-to DIR]
       npm run admin -- invite [--role user|viewer|admin] [--email EMAIL] [--hours N] [--local|--remote] [--base-url URL]`;

class UsageError extends Error {}

function baseUrl(explicit: string | undefined, remote: boolean): string {
  if (explicit) return explicit.replace(/\/+$/, "");
  // The local server of `npm run dev`; a deployed one has an address only its owner knows.
  return remote ? "https://<your server>" : `http://127.0.0.1:${process.env.PORT ?? "8787"}`;
}

function makeAdmin(target: D1Target, email: string | undefined): void {
  if (!email) throw new UsageError("make-admin needs the account's email");
  const [found] = d1Execute(target, findUserSql(email));
  const user = found[0] as { id: string; role: string } | undefined;
  if (!user) throw new UsageError(`no account with the email ${email} (create it first: sign up, or use claim-link)`);
  if (user.role === "admin") {
    console.log(`${email} is already an admin`);
    return;
  }
  d1Execute(target, makeAdminSql(user));
  console.log(`${email} is now an admin (was ${user.role})`);
}

function claimLink(target: D1Target, base: string): void {
  const claim = newClaimInvite();
  const audit = systemAuditSql("invite.created", { kind: "invite", id: claim.id }, { role: "admin", via: "cli" });
  d1Execute(target, `${claim.sql}\n${audit}`);
  console.log(`Open this link within 24 hours to create an admin account (it works once):\n\n  ${base}${claim.path}\n`);
}

function invite(target: D1Target, base: string, opts: { role?: string; email?: string; hours?: string }): void {
  const role = (opts.role ?? "user") as Role;
  if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(", ")}`);
  const hours = opts.hours === undefined ? undefined : Number(opts.hours);
  let made: ReturnType<typeof newInvite>;
  try {
    made = newInvite({ role, email: opts.email, hours });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  d1Execute(target, made.sql);
  console.log(
    `Sign-up link (${role}${opts.email ? `, for ${opts.email} only` : ""}; works once):\n\n  ${base}${made.path}\n`,
  );
}

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      local: { type: "boolean" },
      remote: { type: "boolean" },
      "persist-to": { type: "string" },
      "base-url": { type: "string" },
      role: { type: "string" },
      email: { type: "string" },
      hours: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (values.local && values.remote) throw new UsageError("--local or --remote, not both");
  const remote = Boolean(values.remote);
  if (remote && values["persist-to"]) throw new UsageError("--persist-to is for the local database");
  const target: D1Target = { remote, persistTo: values["persist-to"] };
  const base = baseUrl(values["base-url"], remote);
  if (command === "make-admin") makeAdmin(target, arg);
  else if (command === "claim-link") claimLink(target, base);
  else if (command === "invite") invite(target, base, values);
  else throw new UsageError(`unknown command ${command}`);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  if (
    err instanceof UsageError ||
    err instanceof D1Error ||
    (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
  ) {
    console.error(`error: ${(err as Error).message}`);
    if (err instanceof UsageError) console.error(USAGE);
    process.exit(1);
  }
  throw err;
}
