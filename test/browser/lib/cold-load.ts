/**
 * A cold load of the PWA (fresh browser context: no HTTP cache, no service worker) with every network response
 * recorded, the page's and the service worker's (its install precaches the shell). A response reached the Worker
 * when it carries `Access-Control-Expose-Headers`, which worker/http/cors.ts puts on every Worker response; static
 * files Cloudflare serves without the Worker do not have it.
 */
import type { Browser } from "playwright-core";
import type { Session } from "./world";

export interface LoadedResponse {
  path: string;
  status: number;
  viaWorker: boolean;
  headers: Record<string, string>;
  /** Fetched by the service worker (precache, runtime cache) rather than by the page. */
  bySW: boolean;
}

export async function coldLoad(
  browser: Browser,
  base: string,
  opts: { session?: Session; path?: string } = {},
): Promise<LoadedResponse[]> {
  const { session, path = "/" } = opts;
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1366, height: 900 } });
  if (session) {
    await context.addInitScript((t) => {
      if (!localStorage.getItem("edge-connect.session"))
        localStorage.setItem(
          "edge-connect.session",
          JSON.stringify({
            access: t.access_token,
            refresh: t.refresh_token,
            expiresAt: Date.now() + t.expires_in * 1000,
          }),
        );
    }, session);
  }
  const seen: LoadedResponse[] = [];
  const pending: Promise<void>[] = [];
  context.on("response", (res) => {
    if (res.fromServiceWorker()) return; // answered from the SW's cache: no network request
    const url = new URL(res.url());
    if (url.origin !== new URL(base).origin) return;
    pending.push(
      res.allHeaders().then((headers) => {
        seen.push({
          path: url.pathname + url.search,
          status: res.status(),
          viaWorker: "access-control-expose-headers" in headers,
          headers,
          bySW: !!res.request().serviceWorker(),
        });
      }),
    );
  });
  try {
    const page = await context.newPage();
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    // The service worker's install (precache) is part of a first visit.
    await page.evaluate(() => navigator.serviceWorker?.ready.then(() => undefined));
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(500);
    await Promise.all(pending);
  } finally {
    await context.close();
  }
  return seen;
}

/** Counts for a report: requests, how many invoked the Worker, and which paths did. */
export function summarize(responses: LoadedResponse[]) {
  const worker = responses.filter((r) => r.viaWorker);
  return {
    requests: responses.length,
    workerInvocations: worker.length,
    staticOnly: responses.length - worker.length,
    workerPaths: worker.map((r) => r.path),
  };
}
