/**
 * `npm run maps:load` (also called by `npm run dev`): puts the embedded world basemap into wrangler's local R2 and
 * the Natural Earth places into the local D1, building them first if tiles/build/ is empty. Offline; skips the
 * work when the same files were already loaded into this .wrangler/state (a stamp file records their hashes).
 * Options: --rebuild (build again first), --force (load even if the stamp matches), --key <r2 key>.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { OFFLINE_ENV, ROOT, run } from "../scripts/lib";

const BUILD = path.join(ROOT, "tiles", "build");
const ARCHIVE = path.join(BUILD, "world.pmtiles");
const PLACES = path.join(BUILD, "places.sql");
const STAMP = path.join(ROOT, ".wrangler", "state", "edge-connect-maps.json");
const BUCKET = "edge-connect-media"; // bucket_name of the MEDIA binding in wrangler.jsonc

export function loadLocalMaps(opts: { rebuild?: boolean; force?: boolean; key?: string } = {}): void {
  const key = opts.key ?? process.env.MAP_ARCHIVE_KEY ?? "maps/world.pmtiles";
  if (opts.rebuild || !existsSync(ARCHIVE) || !existsSync(PLACES)) run("npx", ["tsx", "tiles/build-world.ts"]);

  const stamp = JSON.stringify({ key, archive: sha256(ARCHIVE), places: sha256(PLACES) });
  if (!opts.force && existsSync(STAMP) && readFileSync(STAMP, "utf8") === stamp) {
    console.log(`maps: local R2 ${BUCKET}/${key} and D1 places are up to date`);
    return;
  }
  const env = { ...OFFLINE_ENV, CI: "true" };
  run(
    "npx",
    [
      "wrangler",
      "r2",
      "object",
      "put",
      `${BUCKET}/${key}`,
      "--file",
      ARCHIVE,
      "--content-type",
      "application/vnd.pmtiles",
      "--local",
    ],
    { env },
  );
  // The places table comes from a migration; applying is idempotent, so this also works outside `npm run dev`.
  run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], { env });
  // Its per-statement JSON report is long and says nothing useful on success; errors still reach stderr.
  run("npx", ["wrangler", "d1", "execute", "DB", "--local", "--file", PLACES], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  mkdirSync(path.dirname(STAMP), { recursive: true });
  writeFileSync(STAMP, stamp);
  console.log(`maps: loaded ${path.relative(ROOT, ARCHIVE)} → local R2 ${BUCKET}/${key}, places → local D1`);
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const keyAt = args.indexOf("--key");
  loadLocalMaps({
    rebuild: args.includes("--rebuild"),
    force: args.includes("--force"),
    key: keyAt >= 0 ? args[keyAt + 1] : undefined,
  });
}
