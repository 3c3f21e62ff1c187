/**
 * Documentation that code cites must exist: every `docs/<file>.md` named in a source comment or a Markdown file is
 * in the repository, a cited section (a `§3.1` after the name) is one of its headings, and every relative Markdown link in
 * the README and docs/ points at a file that exists.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const tracked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
  cwd: ROOT,
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => /\.(ts|tsx|md)$/.test(f) && !f.startsWith("node_modules/") && existsSync(path.join(ROOT, f)));

const CITATION = /(?<![\w./-])docs\/([\w-]+\.md)(?:\s*§\s*([\d.]+))?/g;
const MD_LINK = /\]\((?!https?:|mailto:|#)([^)#\s]+)(?:#[^)]*)?\)/g;

function headingsOf(doc: string): string[] {
  return readFileSync(path.join(ROOT, "docs", doc), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("#"));
}

describe("documentation references", () => {
  it("every cited docs/ file and section exists", () => {
    const broken: string[] = [];
    for (const file of tracked) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      for (const m of text.matchAll(CITATION)) {
        const [, doc, section] = m;
        if (!existsSync(path.join(ROOT, "docs", doc))) {
          broken.push(`${file}: docs/${doc} does not exist`);
        } else if (section) {
          const wanted = new RegExp(`^#+\\s+${section.replace(/\.$/, "").replace(/\./g, "\\.")}[.\\s]`);
          if (!headingsOf(doc).some((h) => wanted.test(h)))
            broken.push(`${file}: docs/${doc} has no section ${section}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("every relative Markdown link in README.md and docs/ resolves", () => {
    const broken: string[] = [];
    for (const file of tracked.filter(
      (f) => f.endsWith(".md") && (f === "README.md" || f.startsWith("docs/") || f.endsWith("/README.md")),
    )) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      for (const m of text.matchAll(MD_LINK)) {
        const target = path.resolve(path.dirname(path.join(ROOT, file)), decodeURIComponent(m[1]));
        if (!existsSync(target)) broken.push(`${file}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
