/**
 * `wrangler dev` on a free port with its own state directory: migrations applied and the embedded world basemap
 * put into its R2 first (like `npm run dev` does for .wrangler/state), so maps render offline in tests.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { OFFLINE_ENV, ROOT, ensureDevVars, run, waitForHttp } from "../../../scripts/lib";

const ARCHIVE = path.join(ROOT, "tiles", "build", "world.pmtiles");
const BUCKET = "edge-connect-media";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/**
 * `persist`: the server's local state directory (tests reach its D1 with `npm run admin -- … --persist-to`).
 * `config`: another wrangler config in the repository root (bench/pwa-cold-load.ts compares two).
 */
export async function startServer(
  opts: { config?: string } = {},
): Promise<{ base: string; persist: string; stop(): void }> {
  const persist = mkdtempSync(path.join(tmpdir(), "edge-browser-"));
  const env = { ...OFFLINE_ENV, CI: "true" };
  const quiet = { env, stdio: ["ignore", "ignore", "inherit"] as ["ignore", "ignore", "inherit"] };
  ensureDevVars();
  if (!existsSync(ARCHIVE)) run("npx", ["tsx", "tiles/build-world.ts"], quiet);
  run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], quiet);
  run(
    "npx",
    [
      "wrangler",
      "r2",
      "object",
      "put",
      `${BUCKET}/maps/world.pmtiles`,
      "--file",
      ARCHIVE,
      "--content-type",
      "application/vnd.pmtiles",
      "--local",
      "--persist-to",
      persist,
    ],
    quiet,
  );
  const port = await freePort();
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      persist,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
      ...(opts.config ? ["--config", opts.config] : []),
    ],
    {
      cwd: ROOT,
      env: OFFLINE_ENV,
      detached: true,
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/api/v1/openapi.json`, 120_000);
  return {
    base,
    persist,
    stop() {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* already gone */
      }
      setTimeout(() => rmSync(persist, { recursive: true, force: true }), 1000).unref();
    },
  };
}
