/**
 * The deploy config must not enable experimental compatibility flags: Cloudflare refuses them on upload, and
 * `wrangler deploy --dry-run` does not check (issue #12). The experimental flags are read from the workerd binaries
 * actually installed (scripts/lib/workerd-flags.ts), cross-checked against the runtime itself: workerd started
 * without `--experimental` refuses exactly those.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { afterAll, describe, expect, it } from "vitest";
import {
  compatFlagsOf,
  experimentalFlagNames,
  type InstalledWorkerd,
  installedWorkerds,
} from "../../scripts/lib/workerd-flags";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DEPLOY_CONFIGS = ["wrangler.jsonc", "bench/calibration/wrangler.toml"];
const tmp = mkdtempSync(path.join(tmpdir(), "edge-flags-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface FlagConfig {
  date: string;
  flags: string[];
}

/** compatibility_date and every compatibility_flags list of a wrangler config (top level and each env). */
function configFlags(configPath: string): FlagConfig[] {
  const { rawConfig } = experimental_readRawConfig({ config: configPath });
  const envs = Object.values(rawConfig.env ?? {});
  return [rawConfig, ...envs].map((c) => ({
    date: c.compatibility_date ?? rawConfig.compatibility_date ?? "",
    flags: c.compatibility_flags ?? rawConfig.compatibility_flags ?? [],
  }));
}

function experimentalIn(configPath: string, experimental: string[]): string[] {
  return configFlags(configPath).flatMap((c) => c.flags.filter((f) => experimental.includes(f)));
}

/** Runs a one-module Worker with `workerd test` (no --experimental): its stderr, which names refused flags. */
function runWorkerd(workerd: InstalledWorkerd, date: string, flags: string[]): string {
  const dir = mkdtempSync(path.join(tmp, "w-"));
  writeFileSync(path.join(dir, "main.js"), "export default { async test() {} };\n");
  writeFileSync(
    path.join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = (
    modules = [(name = "main.js", esModule = embed "main.js")],
    compatibilityDate = ${JSON.stringify(date)},
    compatibilityFlags = ${JSON.stringify(flags)},
  ))],
);
`,
  );
  const res = spawnSync(workerd.binary, ["test", "config.capnp"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  return `${res.stdout}${res.stderr}`;
}

const workerds = installedWorkerds(ROOT);

describe("experimental compatibility flags", () => {
  it("finds the workerd binaries wrangler and the test suite run", () => {
    expect(workerds.map((w) => w.user)).toContain("wrangler");
    for (const w of workerds) expect(w.version).toMatch(/^1\.\d{8}\.\d+$/);
  });

  describe.each(workerds.map((w) => [`${w.user}'s workerd ${w.version}`, w] as const))("%s", (_name, workerd) => {
    const flags = compatFlagsOf(workerd.binary);
    const experimental = experimentalFlagNames(flags);

    it("lists its flags and their experimental mark from the binary's schema", () => {
      expect(flags.length).toBeGreaterThan(150);
      expect(flags.find((f) => f.enableFlag === "nodejs_compat")).toMatchObject({ experimental: false });
      // The flag issue #12 was about, experimental in every workerd so far.
      expect(experimental).toContain("service_binding_extra_handlers");
      expect(experimental).not.toContain("nodejs_compat");
    });

    it("agrees with the runtime: workerd without --experimental refuses an experimental flag, and only that", () => {
      const refused = /compatibility flag (\S+) is experimental/;
      expect(runWorkerd(workerd, "2025-09-01", ["service_binding_extra_handlers"])).toMatch(refused);
      const accepted = flags.find((f) => !f.experimental && f.enableFlag === "nodejs_compat")!;
      expect(runWorkerd(workerd, "2025-09-01", [accepted.enableFlag!])).not.toMatch(refused);
    });

    it.each(DEPLOY_CONFIGS)("%s enables none of them, and workerd runs its flags without --experimental", (file) => {
      const config = path.join(ROOT, file);
      expect(experimentalIn(config, experimental)).toEqual([]);
      for (const { date, flags } of configFlags(config)) {
        expect(runWorkerd(workerd, date, flags)).not.toMatch(/experimental|No such compatibility flag/);
      }
    });

    it("catches service_binding_extra_handlers put back into a copy of wrangler.jsonc", () => {
      const source = readFileSync(path.join(ROOT, "wrangler.jsonc"), "utf8");
      const bad = source.replace(
        /"compatibility_flags":\s*\[/,
        '"compatibility_flags": ["service_binding_extra_handlers", ',
      );
      expect(bad).not.toBe(source);
      const copy = path.join(tmp, "wrangler.jsonc");
      writeFileSync(copy, bad);
      expect(experimentalIn(copy, experimental)).toEqual(["service_binding_extra_handlers"]);
    });
  });
});
