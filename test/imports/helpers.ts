/** Shared fixtures of the import tests: sessions, chunk uploads and the file rows they produce. */
import { env } from "cloudflare:workers";
import { beforeAll, expect, vi } from "vitest";
import { toHex } from "../../worker/lib/encoding";
import { createUser, json, registeredDevice, workerFetch, type TestUser } from "../helpers";

export const MiB = 1024 * 1024;
export type Auth = Record<string, string>;

export interface Session {
  upload_id: string;
  key: string;
  size: number;
  sha256: string;
  chunk_size: number;
  chunk_count: number;
  state: string;
  expires_at: number;
  received: number[];
}

export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

export const sha256 = async (data: Uint8Array) => toHex(await crypto.subtle.digest("SHA-256", data));
export const partOf = (data: Uint8Array, chunk: number, n: number) =>
  data.slice((n - 1) * chunk, Math.min(data.length, n * chunk));

export async function ownedDevice() {
  const device = await registeredDevice();
  const owner = await createUser();
  const res = await workerFetch("/v2/pilotpair/", {
    method: "POST",
    headers: owner.auth,
    body: new URLSearchParams({ pair_token: await device.pairToken() }),
  });
  expect(res.status).toBe(200);
  return { device, owner, dongle: device.dongleId! };
}

export async function share(dongle: string, user: TestUser, permission: "read" | "write") {
  await env.DB.prepare("INSERT INTO device_users (dongle_id, user_id, permission) VALUES (?, ?, ?)")
    .bind(dongle, user.id, permission)
    .run();
}

export const init = (auth: Auth, body: Record<string, unknown>) =>
  workerFetch("/api/v1/upload/init", json(body, { method: "POST", headers: auth }));

export async function started(auth: Auth, body: Record<string, unknown>): Promise<Session> {
  const res = await init(auth, body);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

export function putPart(
  auth: Auth,
  id: string,
  part: number,
  bytes: Uint8Array,
  headers: Record<string, string> = {},
  alias = false,
) {
  const url = alias ? `/api/v1/upload/${id}/chunk/${part}` : `/api/v1/upload/${id}/chunk?part=${part}`;
  return workerFetch(url, {
    method: "PUT",
    body: bytes,
    headers: {
      ...auth,
      "Content-Type": "application/octet-stream",
      "Content-Length": String(bytes.byteLength),
      ...headers,
    },
  });
}

export const post = (auth: Auth, id: string, action: "complete" | "cancel") =>
  workerFetch(`/api/v1/upload/${id}/${action}`, { method: "POST", headers: auth });
export const status = (auth: Auth, id: string) => workerFetch(`/api/v1/upload/${id}`, { headers: auth });

export async function sendAll(auth: Auth, s: Session, data: Uint8Array, order?: number[]) {
  for (const n of order ?? Array.from({ length: s.chunk_count }, (_, i) => i + 1)) {
    const res = await putPart(auth, s.upload_id, n, partOf(data, s.chunk_size, n));
    expect(res.status, await res.clone().text()).toBe(200);
  }
}

export const fileRow = (key: string) =>
  env.DB.prepare("SELECT kind, size, segment, log_id, state, fail_reason FROM uploaded_files WHERE key = ?")
    .bind(key)
    .first<{
      kind: string;
      size: number;
      segment: number;
      log_id: string;
      state: string;
      fail_reason: string | null;
    }>();

export async function settled(key: string) {
  return vi.waitFor(
    async () => {
      const row = await fileRow(key);
      expect(row?.state).toBeDefined();
      expect(row?.state).not.toBe("pending");
      return row!;
    },
    { timeout: 20_000, interval: 200 },
  );
}

export const stagedKeys = async () => (await env.MEDIA.list({ prefix: "imports/" })).objects.map((o) => o.key);

/**
 * The first account of a server is its admin, who may act on every device: each test file makes it first, so the
 * users created afterwards are ordinary ones and the permission checks mean something.
 */
export function withAdminFirst(): void {
  beforeAll(async () => {
    const admin = await createUser();
    expect(admin.role).toBe("admin");
  });
}
