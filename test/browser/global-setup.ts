/** Builds the web app, then starts one local server for every browser test file and stops it afterwards. */
import type { TestProject } from "vitest/node";
import { run } from "../../scripts/lib";
import { startServer } from "./lib/server";

declare module "vitest" {
  export interface ProvidedContext {
    base: string;
    /** The server's local state directory; empty when BROWSER_TEST_BASE names a server started elsewhere. */
    persist: string;
  }
}

/**
 * BROWSER_TEST_BASE=<url> reuses a server you started (quick iterations); the build is then up to you too, and
 * BROWSER_TEST_PERSIST=<dir> names its state directory for the tests that need it (.wrangler/state for npm run dev).
 */
export default async function setup(project: TestProject) {
  if (process.env.BROWSER_TEST_BASE) {
    project.provide("base", process.env.BROWSER_TEST_BASE);
    project.provide("persist", process.env.BROWSER_TEST_PERSIST ?? "");
    return;
  }
  if (!process.env.SKIP_WEB_BUILD)
    run("npm", ["run", "--silent", "build:web"], { stdio: ["ignore", "ignore", "inherit"] });
  const server = await startServer();
  project.provide("base", server.base);
  project.provide("persist", server.persist);
  return () => server.stop();
}
