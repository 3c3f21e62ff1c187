/**
 * Prints what a first visit downloads (the entry chunk, its static imports and CSS, gzipped) and fails the build
 * above the budget. Lazy chunks are listed too, so a heavy library sneaking into the initial graph is obvious.
 */
import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";

type OutputFile =
  | {
      type: "chunk";
      code: string;
      isEntry: boolean;
      imports: string[];
      fileName: string;
      viteMetadata?: { importedCss: Set<string> };
    }
  | { type: "asset"; source: string | Uint8Array; fileName: string };

const gz = (data: string | Uint8Array) => gzipSync(data, { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

export function bundleBudget(opts: { limitKb: number }): Plugin {
  return {
    name: "edge-connect:bundle-budget",
    apply: "build",
    enforce: "post",
    generateBundle(_options, bundle) {
      const files = bundle as unknown as Record<string, OutputFile>;
      const initial = new Set<string>();
      const visit = (name: string) => {
        if (initial.has(name)) return;
        initial.add(name);
        const f = files[name];
        if (f?.type === "chunk") f.imports.forEach(visit);
      };
      for (const f of Object.values(files)) if (f.type === "chunk" && f.isEntry) visit(f.fileName);

      let initialJs = 0;
      let initialCss = 0;
      const lazy: [string, number][] = [];
      for (const f of Object.values(files)) {
        if (f.type === "chunk") {
          const size = gz(f.code);
          if (initial.has(f.fileName)) {
            initialJs += size;
            for (const css of f.viteMetadata?.importedCss ?? []) {
              const asset = files[css];
              if (asset?.type === "asset") initialCss += gz(asset.source);
            }
          } else lazy.push([f.fileName, size]);
        }
      }
      lazy.sort((a, b) => b[1] - a[1]);
      const lines = [
        `initial JS  ${kb(initialJs)} gzip (${initial.size} chunk${initial.size === 1 ? "" : "s"}; budget ${opts.limitKb} KB)`,
        `initial CSS ${kb(initialCss)} gzip`,
        `lazy chunks ${lazy.length}, largest: ${lazy
          .slice(0, 4)
          .map(([n, s]) => `${n.replace(/^assets\//, "")} ${kb(s)}`)
          .join(", ")}`,
      ];
      console.log(`\n[bundle budget]\n  ${lines.join("\n  ")}\n`);
      if (initialJs > opts.limitKb * 1024)
        this.error(`initial JS is ${kb(initialJs)} gzip, over the ${opts.limitKb} KB budget`);
    },
  };
}
