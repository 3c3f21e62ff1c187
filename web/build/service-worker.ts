/**
 * Builds web/src/sw/sw.ts into dist/sw.js with the list of files to precache baked in. Large lazy chunks
 * (maplibre, hls.js) are left to the worker's runtime cache: they are stored when a page first needs them, so a
 * visit that never opens a map does not download megabytes in the background.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { transformWithOxc, type Plugin, type ResolvedConfig } from "vite";

const PRECACHE_MAX_BYTES = 200 * 1024;
const SOURCE = path.join(import.meta.dirname, "..", "src", "sw", "sw.ts");

function publicFiles(dir: string, prefix = ""): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    // _headers is read by Cloudflare's static asset server, never served: precaching it would fail the install.
    if (name.startsWith("_")) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out = out.concat(publicFiles(full, `${prefix}${name}/`));
    else out.push(`${prefix}${name}`);
  }
  return out;
}

export function serviceWorker(): Plugin {
  let config: ResolvedConfig;
  return {
    name: "edge-connect:service-worker",
    apply: "build",
    enforce: "post",
    configResolved(c) {
      config = c;
    },
    async generateBundle(_options, bundle) {
      const precache = ["/"];
      const assets: string[] = [];
      const hash = createHash("sha256");
      for (const [name, file] of Object.entries(bundle)) {
        if (name.endsWith(".html") || name.endsWith(".map")) continue;
        const body = file.type === "chunk" ? file.code : file.source;
        hash.update(name);
        assets.push(`/${name}`);
        if (Buffer.byteLength(body as string | Uint8Array) <= PRECACHE_MAX_BYTES) precache.push(`/${name}`);
      }
      for (const name of publicFiles(config.publicDir)) precache.push(`/${name}`);
      const html = bundle["index.html"];
      if (html?.type === "asset") hash.update(html.source);
      const buildId = hash.digest("hex").slice(0, 12);

      const source = readFileSync(SOURCE, "utf8")
        .replace('"__BUILD_ID__"', JSON.stringify(buildId))
        .replace("= __PRECACHE__;", `= ${JSON.stringify(precache.sort())};`)
        .replace("= __ASSETS__;", `= ${JSON.stringify(assets.sort())};`);
      const { code } = await transformWithOxc(source, "sw.ts", { lang: "ts" });
      this.emitFile({ type: "asset", fileName: "sw.js", source: code.replace(/^export \{\s*\};?\s*$/m, "") });
    },
  };
}
