/** Invites: admins create, list and revoke them (/api/v1/admin/invites); anyone with a token may check it. */
import { request } from "./client";
import type { User } from "./types";

export type Role = User["role"];

export interface Invite {
  id: string;
  role: Role;
  email: string | null;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: string | null;
  revoked_at: number | null;
  state: "pending" | "used" | "revoked" | "expired";
}

export interface InviteInfo {
  role: Role;
  email: string | null;
  expires_at: number;
}

export const createInvite = (input: { role: Role; email?: string | null; expires_in_hours: number }) =>
  request<{ invite: Invite; token: string; url: string }>("/api/v1/admin/invites", { json: input });

export const listInvites = async () => (await request<{ invites: Invite[] }>("/api/v1/admin/invites")).invites;

export const revokeInvite = (id: string) =>
  request<Invite>(`/api/v1/admin/invites/${encodeURIComponent(id)}`, { method: "DELETE" });

export const checkInvite = (invite: string) =>
  request<InviteInfo>("/api/v1/auth/invite", { json: { invite }, anonymous: true });
