/**
 * The PWA's service worker (built by web/build/service-worker.ts, which fills in the build id and precache list).
 * - App shell: precached; navigations are network-first and fall back to the cached shell, so the app opens offline.
 * - Hashed assets: cache-first (their names change with their content); big lazy chunks are cached on first use.
 * - What the user has looked at (API JSON, a route's derived coords/events/sprite, map style/tiles/fonts): network
 *   first, cached copy when offline. Video and athena calls are never cached (large or live).
 * Sign-out posts "clear-data" so the next user of this browser does not see the previous one's drives offline.
 */
/// <reference lib="webworker" />
// Makes this file a module for the type checker; the build strips it (the worker is a classic script).
export {};
declare const self: ServiceWorkerGlobalScope;
declare const __PRECACHE__: string[];
declare const __ASSETS__: string[];

const BUILD_ID = "__BUILD_ID__";
const PRECACHE: string[] = __PRECACHE__;
/** Every file of this build: cached files of older builds are dropped on activation. */
const ASSET_FILES: string[] = __ASSETS__;
const SHELL = `shell-${BUILD_ID}`;
const ASSETS = "assets-v1";
const DATA = "data-v1";
const MAPS = "maps-v1";
const MAX_MAP_ENTRIES = 1500;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((c) => c.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys())
        if (name.startsWith("shell-") && name !== SHELL) await caches.delete(name);
      const assets = await caches.open(ASSETS);
      for (const req of await assets.keys())
        if (!ASSET_FILES.includes(new URL(req.url).pathname)) await assets.delete(req);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "clear-data") event.waitUntil(caches.delete(DATA));
});

/** JSON the app reads to show devices and drives: cached so a viewed drive opens offline. */
const DATA_PATHS = [
  /^\/api\/v1\/auth\/me$/,
  /^\/v1\/me\/devices\/?$/,
  /^\/v1\.1\/devices\/[0-9a-f]{16}\/?(stats)?$/,
  /^\/v1\/devices\/[0-9a-f]{16}\/(routes|location|users)\/?$/,
  /^\/v1\/route\/[^/]+\/?$/,
  /^\/v1\/route\/[^/]+\/derived\//,
];
const MAP_PATHS = /^\/api\/v1\/maps\/(style\.json|tiles\.json|tiles\/|fonts\/)/;

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const p = url.pathname;
  if (req.mode === "navigate") event.respondWith(navigation(req));
  else if (p.startsWith("/assets/") || PRECACHE.includes(p)) event.respondWith(cacheFirst(req, ASSETS));
  else if (MAP_PATHS.test(p)) event.respondWith(networkFirst(req, MAPS, true));
  else if (DATA_PATHS.some((re) => re.test(p))) event.respondWith(networkFirst(req, DATA, false));
});

async function navigation(req: Request): Promise<Response> {
  try {
    return await fetch(req);
  } catch {
    // Client-side routes all render from the same shell.
    return (await caches.match("/", { cacheName: SHELL })) ?? Response.error();
  }
}

async function cacheFirst(req: Request, cacheName: string): Promise<Response> {
  const hit = await caches.match(req, { ignoreSearch: false });
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) {
    const copy = res.clone();
    void caches.open(cacheName).then((c) => c.put(req, copy));
  }
  return res;
}

/**
 * Authenticated JSON is keyed by URL only (ignoreVary: the access token changes hourly). Offline, a request
 * fails fast and the stored copy answers; online, the network is always asked first so nothing goes stale.
 */
async function networkFirst(req: Request, cacheName: string, trim: boolean): Promise<Response> {
  try {
    const res = await fetch(req);
    if (res.ok && res.status !== 206) {
      const copy = res.clone();
      void caches.open(cacheName).then(async (c) => {
        await c.put(req, copy);
        if (trim) await trimCache(c);
      });
    }
    return res;
  } catch (err) {
    const hit = await caches.match(req, { cacheName, ignoreVary: true });
    if (hit) return markedOffline(hit);
    throw err;
  }
}

/** Tells the page this answer came from the cache because the network failed (state/online.ts reads it). */
function markedOffline(hit: Response): Response {
  const headers = new Headers(hit.headers);
  headers.set("x-edge-connect-offline", "1");
  return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers });
}

async function trimCache(cache: Cache): Promise<void> {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_MAP_ENTRIES))) await cache.delete(key);
}
