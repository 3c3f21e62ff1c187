/** The signed-in account's API keys and security activity (our /api/v1/auth endpoints). */
import { request } from "./client";

export type ApiKeyScope = "read" | "write";

export interface ApiKey {
  id: string;
  name: string;
  scope: ApiKeyScope;
  /** The key's first characters, to tell keys apart. */
  prefix: string;
  created_at: number;
  last_used_at: number | null;
}

export interface AuditEvent {
  id: number;
  at: number;
  action: string;
  actor: { kind: string; id: string | null };
  target: { kind: string; id: string } | null;
  ip: string | null;
  detail: Record<string, unknown> | null;
}

export const listApiKeys = async () => (await request<{ keys: ApiKey[] }>("/api/v1/auth/api-keys")).keys;

/** The answer carries the secret key: the only time the server ever shows it. */
export const createApiKey = (name: string, scope: ApiKeyScope) =>
  request<ApiKey & { key: string }>("/api/v1/auth/api-keys", { json: { name, scope } });

export const revokeApiKey = (id: string) =>
  request<{ success: 1 }>(`/api/v1/auth/api-keys/${encodeURIComponent(id)}`, { method: "DELETE" });

export const auditPage = (cursor?: number | null, limit = 20) =>
  request<{ events: AuditEvent[]; next_cursor: number | null }>(
    `/api/v1/auth/audit?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
  );
