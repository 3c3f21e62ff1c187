/**
 * Exactness against comma's own outputs for the real route in ../shared/fixtures/real (read at run
 * time only: personal data without a licence, never copied into this repo). workerd has no
 * filesystem, so the files come through a binding when the test config provides one:
 *   - env.REAL_FIXTURES: a service binding (Node-side handler serving ../shared/fixtures/real), or
 *   - env.SHARED_FIXTURES: an http(s) base URL serving the same tree.
 * Without either, or when the data is absent (404), the test is skipped.
 * The same comparison runs in Node with `npx tsx test/fixtures/real-fixture-check.ts`.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { compareRealRoute, type RealRouteFiles } from "../../test/fixtures/real-fixture-compare";
import { deriveSegment } from "./derive";

const ROUTE = "asius-0000002c--d68dde99ca";

async function get(rel: string): Promise<Response | null> {
  const e = env as unknown as { REAL_FIXTURES?: Fetcher; SHARED_FIXTURES?: string };
  try {
    if (e.REAL_FIXTURES) return await e.REAL_FIXTURES.fetch(`http://fixtures/${ROUTE}/${rel}`);
    if (e.SHARED_FIXTURES && /^https?:\/\//.test(e.SHARED_FIXTURES))
      return await fetch(`${e.SHARED_FIXTURES.replace(/\/$/, "")}/${ROUTE}/${rel}`);
  } catch {
    return null;
  }
  return null;
}

async function loadRoute(): Promise<RealRouteFiles | null> {
  const route = await get("route.redacted.json");
  if (!route?.ok) return null;
  const segments = [];
  for (const n of [0, 1, 2]) {
    const [q, c, ev] = await Promise.all([get(`${n}/qlog.zst`), get(`${n}/coords.json`), get(`${n}/events.json`)]);
    if (!q?.ok || !c?.ok || !ev?.ok) return null;
    segments.push({
      number: n,
      qlog: new Uint8Array(await q.arrayBuffer()),
      coords: await c.json(),
      events: await ev.json(),
    });
  }
  return { route: (await route.json()) as Record<string, unknown>, segments };
}

describe("real route exactness (comma's coords.json / events.json / route fields)", () => {
  it("matches value for value on every segment", async (ctx) => {
    const files = await loadRoute();
    if (!files) return ctx.skip();
    const report = await compareRealRoute(files);
    for (const s of report.segments) {
      expect(s.coords, `segment ${s.number} coords`).toMatchObject({ ok: true });
      expect(s.events, `segment ${s.number} events`).toMatchObject({ ok: true });
      expect(s.thumbnail, `segment ${s.number} thumbnail`).toMatchObject({ ok: true });
    }
    for (const c of report.route) expect(c, c.field).toMatchObject({ ok: true });
    expect(report.ok).toBe(true);

    // A truncated upload (cut at 60%) derives a prefix of the full outputs, as comma's backend did.
    const full = report.derived[1];
    const q = files.segments[1].qlog;
    const cut = await deriveSegment(q.subarray(0, Math.floor(q.length * 0.6)));
    expect(cut.meta.truncated).toBe(true);
    expect(cut.coords.length).toBeGreaterThan(10);
    expect(cut.coords).toEqual(full.coords.slice(0, cut.coords.length));
    expect(cut.events).toEqual(full.events.slice(0, cut.events.length));
  });

  it("reads the bz2-recompressed copy of segment 0 identically", async (ctx) => {
    const [bz, zs] = await Promise.all([get("derived/0/qlog.bz2"), get("0/qlog.zst")]);
    if (!bz?.ok || !zs?.ok) return ctx.skip();
    const a = await deriveSegment(new Uint8Array(await bz.arrayBuffer()));
    const b = await deriveSegment(new Uint8Array(await zs.arrayBuffer()));
    expect(a.meta.container).toBe("bzip2");
    expect(a.coords).toEqual(b.coords);
    expect(a.events).toEqual(b.events);
  });
});
