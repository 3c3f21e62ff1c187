/**
 * Re-process a route from what is in R2 through a running server's admin API:
 *   npm run admin:reprocess -- <dongle_id>|<log_id> [--api URL]
 * Credentials: EDGE_CONNECT_TOKEN (an admin's access token), or EDGE_CONNECT_EMAIL + EDGE_CONNECT_PASSWORD to
 * sign in. The API defaults to the local dev server. Quote the route name: `|` is a shell pipe.
 */
const args = process.argv.slice(2);
const apiAt = args.indexOf("--api");
const api = (apiAt >= 0 ? args[apiAt + 1] : (process.env.EDGE_CONNECT_API ?? "http://127.0.0.1:8787")).replace(
  /\/$/,
  "",
);
const fullname = args.filter((_, i) => i !== apiAt && i !== apiAt + 1)[0];

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function token(): Promise<string> {
  if (process.env.EDGE_CONNECT_TOKEN) return process.env.EDGE_CONNECT_TOKEN;
  const email = process.env.EDGE_CONNECT_EMAIL,
    password = process.env.EDGE_CONNECT_PASSWORD;
  if (!email || !password)
    fail("Set EDGE_CONNECT_TOKEN, or EDGE_CONNECT_EMAIL and EDGE_CONNECT_PASSWORD (an admin account).");
  const res = await fetch(`${api}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) fail(`sign-in failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

if (!fullname || !fullname.includes("|")) fail("usage: npm run admin:reprocess -- '<dongle_id>|<log_id>' [--api URL]");
const res = await fetch(`${api}/api/v1/admin/routes/${encodeURIComponent(fullname)}/reprocess`, {
  method: "POST",
  headers: { Authorization: `JWT ${await token()}` },
}).catch((err: unknown) =>
  fail(`cannot reach ${api}: ${err instanceof Error ? ((err.cause as Error)?.message ?? err.message) : err}`),
);
const body = await res.text();
if (res.status !== 202) fail(`re-process failed: ${res.status} ${body}`);
const result = JSON.parse(body) as { enqueued: number; missing: string[] };
console.log(`queued ${result.enqueued} file(s) of ${fullname}`);
for (const key of result.missing) console.log(`  missing from storage (will be marked failed): ${key}`);
