/**
 * `npm run maps:region -- (--bbox W,S,E,N | "Place name") [--name NAME] [--maxzoom 15] [--source URL]
 *                         [--radius KM] [--out FILE] [--remote | --local | --no-upload] [--use] [--config FILE]`
 *
 * Street-level maps for a region: reads just that region out of a public Protomaps daily planet build with HTTP
 * range reads (no planet download), writes tiles/build/<name>.pmtiles, uploads it to R2 as maps/<name>.pmtiles
 * (remote by default) and, with --use, points MAP_ARCHIVE_KEY in wrangler.jsonc at it (takes effect at the next
 * deploy, e.g. `npm run setup`). Data © OpenStreetMap contributors (ODbL); the attribution travels in the metadata.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { FetchSource, PMTiles } from "pmtiles";
import { ConfigFile, resourceNames } from "../scripts/setup/config";
import { findWrangler, RealWrangler } from "../scripts/setup/wrangler";
import { placeBbox } from "./lib/place-bbox";
import { type Bbox, extractRegion, parseBbox } from "./lib/region-extract";

const ROOT = path.resolve(import.meta.dirname, "..");
/** `wrangler r2 object put` refuses larger files; beyond it use an S3 client (multipart) against R2. */
const WRANGLER_MAX_BYTES = 300 * 1024 * 1024;
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    bbox: { type: "string" },
    name: { type: "string" },
    maxzoom: { type: "string" },
    source: { type: "string" },
    radius: { type: "string" },
    out: { type: "string" },
    local: { type: "boolean", default: false },
    remote: { type: "boolean", default: false },
    "no-upload": { type: "boolean", default: false },
    use: { type: "boolean", default: false },
    config: { type: "string" },
  },
});

/** Daily builds are named by date and old ones are removed: the newest of the last week that answers. */
async function latestBuild(): Promise<string> {
  for (let daysBack = 1; daysBack <= 7; daysBack++) {
    const day = new Date(Date.now() - daysBack * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "");
    const url = `https://build.protomaps.com/${day}.pmtiles`;
    try {
      await new PMTiles(url).getHeader();
      return url;
    } catch {
      /* not published (yet or any more): try the day before */
    }
  }
  throw new Error(
    "no Protomaps daily build found for the last 7 days; pass --source URL (docs.protomaps.com/basemaps/downloads)",
  );
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "") || "region";

async function main() {
  const placeQuery = positionals.join(" ").trim();
  if (!values.bbox && !placeQuery)
    throw new Error(
      'usage: npm run maps:region -- --bbox W,S,E,N | "Place name" [--name NAME] [--maxzoom N] [--source URL] [--local|--remote|--no-upload] [--use]',
    );
  let bbox: Bbox;
  let label: string;
  if (values.bbox) {
    bbox = parseBbox(values.bbox);
    label = values.bbox;
  } else {
    ({ bbox, label } = placeBbox(placeQuery, values.radius ? Number(values.radius) : undefined));
  }
  const name = slug(values.name ?? (placeQuery || "region"));
  const out = path.resolve(values.out ?? path.join(ROOT, "tiles", "build", `${name}.pmtiles`));
  const key = `maps/${name}.pmtiles`;
  const url = values.source ?? (await latestBuild());
  console.log(`${label}: box ${bbox.map((n) => n.toFixed(4)).join(",")} from ${url}`);

  const t0 = performance.now();
  const result = await extractRegion(new FetchSource(url), {
    bbox,
    maxZoom: values.maxzoom ? Number(values.maxzoom) : undefined,
    onProgress: (text) => console.log(`  ${text}`),
  });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, result.archive);
  console.log(
    `${path.relative(process.cwd(), out)}: ${result.tiles} tiles, ${(result.archive.length / 1024 / 1024).toFixed(1)} MiB; ` +
      `${result.requests} range requests, ${(result.bytesRead / 1024 / 1024).toFixed(1)} MiB read in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  if (values["no-upload"]) return;
  const configFile = path.resolve(values.config ?? path.join(ROOT, "wrangler.jsonc"));
  const config = new ConfigFile(configFile, true);
  const { bucket } = resourceNames(config.value);
  if (result.archive.length > WRANGLER_MAX_BYTES) {
    throw new Error(
      `${(result.archive.length / 1024 / 1024).toFixed(0)} MiB is over wrangler's 300 MiB upload limit: lower --maxzoom, ` +
        `or upload it with an S3 client, e.g. rclone copyto ${out} r2:${bucket}/${key}`,
    );
  }
  const dir = path.dirname(configFile);
  const configArgs = configFile === path.join(dir, "wrangler.jsonc") ? [] : ["--config", configFile];
  const wrangler = new RealWrangler(findWrangler(dir), dir, configArgs);
  const where = values.local ? "--local" : "--remote";
  await wrangler.run(
    ["r2", "object", "put", `${bucket}/${key}`, "--file", out, "--content-type", "application/vnd.pmtiles", where],
    { echo: true },
  );
  console.log(`Uploaded to ${values.local ? "local" : "remote"} R2 ${bucket}/${key}.`);
  if (values.use) {
    config.set(["vars", "MAP_ARCHIVE_KEY"], key);
    config.save();
    console.log(
      `MAP_ARCHIVE_KEY = "${key}" in ${path.basename(configFile)}: deploy to use it (npm run setup, or npm run dev locally).`,
    );
  } else {
    console.log(
      `To serve it: set vars.MAP_ARCHIVE_KEY = "${key}" in wrangler.jsonc (or re-run with --use) and deploy.`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(`maps:region: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
