/**
 * `npm run maps:upload -- path/to/extract.pmtiles [--key maps/world.pmtiles] [--bucket edge-connect-media] [--local]`
 * Puts a real Protomaps basemap extract into R2 (remote by default; --local tries it with `npm run dev` first).
 * The key must match the Worker's MAP_ARCHIVE_KEY var (default maps/world.pmtiles); the Worker notices the new
 * file by etag within a minute, no redeploy needed.
 *
 * Where to get an extract: https://docs.protomaps.com/basemaps/downloads lists daily planet builds; cut your region
 * with the `pmtiles` CLI (github.com/protomaps/go-pmtiles releases), e.g.
 *   pmtiles extract https://build.protomaps.com/<date>.pmtiles region.pmtiles --bbox=5.9,45.8,10.5,47.8 --maxzoom=15
 * Data © OpenStreetMap contributors (ODbL): the archive's own attribution reaches the map through TileJSON.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { bytesToHeader, Compression, TileType } from "pmtiles";
import { run } from "../scripts/lib";

/** `wrangler r2 object put` refuses larger files; beyond it use an S3 client (multipart) against R2. */
const WRANGLER_MAX_BYTES = 300 * 1024 * 1024;

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const file = args.find((a, i) => !a.startsWith("--") && !["--key", "--bucket"].includes(args[i - 1] ?? ""));
const key = flag("--key") ?? process.env.MAP_ARCHIVE_KEY ?? "maps/world.pmtiles";
const bucket = flag("--bucket") ?? "edge-connect-media";
const local = args.includes("--local");

if (!file) {
  console.error(
    "usage: npm run maps:upload -- path/to/file.pmtiles [--key maps/world.pmtiles] [--bucket edge-connect-media] [--local]",
  );
  process.exit(2);
}

const size = statSync(file).size;
const head = Buffer.alloc(127);
const fd = openSync(file, "r");
readSync(fd, head, 0, 127, 0);
closeSync(fd);
if (head.toString("latin1", 0, 7) !== "PMTiles" || head[7] !== 3) {
  console.error(`${file} is not a PMTiles v3 archive`);
  process.exit(1);
}
const h = bytesToHeader(head.buffer.slice(head.byteOffset, head.byteOffset + 127));
console.log(
  `${path.basename(file)}: ${(size / 1024 / 1024).toFixed(1)} MiB, ${TileType[h.tileType]} tiles z${h.minZoom}–${h.maxZoom}, ` +
    `${h.numAddressedTiles} tiles, tile compression ${Compression[h.tileCompression]}, bounds ${[h.minLon, h.minLat, h.maxLon, h.maxLat].join(",")}`,
);
if (h.tileType !== TileType.Mvt) {
  console.error("The Worker serves vector (MVT) archives only.");
  process.exit(1);
}
if (h.tileCompression !== Compression.Gzip && h.tileCompression !== Compression.None) {
  console.error(
    `Tile compression ${Compression[h.tileCompression]} is not supported by the Worker; use a gzip archive.`,
  );
  process.exit(1);
}
if (size > WRANGLER_MAX_BYTES) {
  console.error(
    `${(size / 1024 / 1024).toFixed(0)} MiB is over wrangler's 300 MiB upload limit. Upload it with an S3 client, e.g.\n` +
      `  rclone copyto ${file} r2:${bucket}/${key}\n` +
      `  aws s3 cp ${file} s3://${bucket}/${key} --endpoint-url https://<ACCOUNT_ID>.r2.cloudflarestorage.com`,
  );
  process.exit(1);
}

run("npx", [
  "wrangler",
  "r2",
  "object",
  "put",
  `${bucket}/${key}`,
  "--file",
  file,
  "--content-type",
  "application/vnd.pmtiles",
  local ? "--local" : "--remote",
]);
console.log(`Uploaded to ${local ? "local" : "remote"} R2 ${bucket}/${key}.`);
