/**
 * `npm test`: type-check, Biome (lint + format check), the workerd suite (vitest + @cloudflare/vitest-plugin), then the browser suite
 * when it exists. Ends with one plain "N passed, N failed" line that CI parsers understand.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { OFFLINE_ENV, ROOT } from "./lib";

const resultsDir = path.join(ROOT, "test-results");
mkdirSync(resultsDir, { recursive: true });
let passed = 0;
let failed = 0;
let ok = true;

function step(name: string, cmd: string, args: string[]): boolean {
  console.log(`\n== ${name}`);
  const res = spawnSync(cmd, args, {
    stdio: "inherit",
    cwd: ROOT,
    env: { ...OFFLINE_ENV, ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  });
  if (res.status !== 0) ok = false;
  return res.status === 0;
}

function countVitest(file: string) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, "utf8")) as { numPassedTests: number; numFailedTests: number };
  passed += report.numPassedTests;
  failed += report.numFailedTests;
}

const only = process.argv.slice(2);
step("typecheck", "npm", ["run", "--silent", "typecheck"]);
step("lint and format (Biome)", "npx", ["biome", "check", "."]);

const workersReport = path.join(resultsDir, "workers.json");
step("workers tests (workerd)", "npx", [
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${workersReport}`,
  ...only,
]);
countVitest(workersReport);

const nodeConfig = path.join(ROOT, "test/node/vitest.config.ts");
if (existsSync(nodeConfig) && only.length === 0) {
  const nodeReport = path.join(resultsDir, "node.json");
  step("node tests (command-line tools)", "npx", [
    "vitest",
    "run",
    "--config",
    nodeConfig,
    "--passWithNoTests",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${nodeReport}`,
  ]);
  countVitest(nodeReport);
}

const browserConfig = path.join(ROOT, "test/browser/vitest.config.ts");
if (existsSync(browserConfig) && only.length === 0) {
  const browserReport = path.join(resultsDir, "browser.json");
  step("browser tests (Playwright + Chromium)", "npx", [
    "vitest",
    "run",
    "--config",
    browserConfig,
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${browserReport}`,
  ]);
  countVitest(browserReport);
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
