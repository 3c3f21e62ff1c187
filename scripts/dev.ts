/**
 * `npm run dev`: everything local and offline on wrangler's embedded D1/R2/DO/Queues.
 * Builds the web app, applies D1 migrations to the local database, starts `wrangler dev` on 127.0.0.1:$PORT
 * (8787 by default) and seeds the demo data once.
 */
import { ensureDevVars, run, start, waitForHttp } from "./lib";
import { loadLocalMaps } from "../tiles/load-local";
import { seedDemo } from "./seed-demo";

const port = process.env.PORT ?? "8787";
const base = `http://127.0.0.1:${port}`;

ensureDevVars();
run("npm", ["run", "--silent", "build:web"]);
run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], {
  env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
});

// Builds the embedded world basemap if missing and loads it (and its place names) into local R2/D1.
loadLocalMaps();

const server = start("npx", [
  "wrangler",
  "dev",
  "--ip",
  "127.0.0.1",
  "--port",
  port,
  "--show-interactive-dev-session=false",
]);
const stop = () => {
  try {
    process.kill(-server.pid!, "SIGTERM");
  } catch {
    /* already gone */
  }
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
server.on("exit", (code) => process.exit(code ?? 0));

await waitForHttp(base);
try {
  await seedDemo(base);
} catch (err) {
  console.error("demo seeding failed (the server keeps running):", err);
}
console.log(`\nedge-connect is running at ${base}  (Ctrl-C to stop)\n`);
