/**
 * Reproducible installs: package-lock.json must agree with package.json (what `npm ci` in .ci/run relies on), and
 * every dependency is pinned to the exact version the lockfile installs.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));

describe("package-lock.json", () => {
  it("records the same direct dependencies as package.json", () => {
    const root = lock.packages[""];
    expect(root.dependencies ?? {}).toEqual(pkg.dependencies ?? {});
    expect(root.devDependencies ?? {}).toEqual(pkg.devDependencies ?? {});
  });

  it("installs exactly the pinned version of every direct dependency", () => {
    const wanted = { ...pkg.dependencies, ...pkg.devDependencies } as Record<string, string>;
    const mismatches = Object.entries(wanted)
      .filter(([name, version]) => lock.packages[`node_modules/${name}`]?.version !== version)
      .map(
        ([name, version]) => `${name}: package.json ${version}, lock ${lock.packages[`node_modules/${name}`]?.version}`,
      );
    expect(mismatches).toEqual([]);
    // Exact pins only: a range would let two installs differ.
    expect(Object.values(wanted).filter((v) => !/^\d+\.\d+\.\d+/.test(v))).toEqual([]);
  });
});
