/**
 * The layers stay where the architecture puts them (docs/architecture.md): services never import the HTTP layer,
 * raw SQL lives only in worker/db/, and the Durable Objects reach the Worker only through its lower floors.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
  cwd: ROOT,
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => /\.(ts|tsx)$/.test(f) && !f.endsWith(".d.ts"));
const source = (f: string) => readFileSync(path.join(ROOT, f), "utf8");

/** Repository paths a file imports (relative specifiers only), without extension. */
function importsOf(file: string): string[] {
  const specs = [...source(file).matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]);
  return specs.map((s) => path.normalize(path.join(path.dirname(file), s)));
}

describe("layer boundaries", () => {
  it("no worker/services module imports from worker/http or worker/api", () => {
    const leaks = files
      .filter((f) => f.startsWith("worker/services/"))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => /^worker\/(http|api)\//.test(i))
          .map((i) => `${f} → ${i}`),
      );
    expect(leaks).toEqual([]);
  });

  // The command-line tools (scripts/) run SQL through wrangler against whole databases; the rule is the Worker's.
  it("no raw SQL statement (D1 .prepare with SQL text) in the Worker or Durable Objects outside worker/db/", () => {
    const raw = files
      .filter((f) => /^(worker|durable-objects)\//.test(f) && !f.startsWith("worker/db/") && !f.includes(".test."))
      .filter((f) => /\.prepare\(\s*["'`]/.test(source(f)));
    expect(raw).toEqual([]);
  });

  it("durable-objects import only worker/db, lib, protocol, logs, observability and errors", () => {
    const allowed = /^worker\/(db|lib|protocol|logs|observability)\/|^worker\/errors$/;
    const leaks = files
      .filter((f) => f.startsWith("durable-objects/"))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => i.startsWith("worker/") && !allowed.test(i))
          .map((i) => `${f} → ${i}`),
      );
    expect(leaks).toEqual([]);
  });
});
