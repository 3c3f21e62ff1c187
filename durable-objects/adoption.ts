/**
 * Adoption of a device that carries a dongle id comma issued (it never calls our pilotauth, so we do not know its
 * key). Proof of possession: we ask the connected device for `getPublicKey` and check that the handshake JWT it
 * connected with is signed by that key and names this dongle. Only then is it recorded as pending; an admin
 * approves or rejects it (worker/services/devices/adoption.ts). Anyone can claim an unseen dongle id, hence the admin.
 */
import { eq } from "drizzle-orm";
import { database } from "../worker/db/client";
import { pendingDevices } from "../worker/db/schema";
import { DeviceJwtError, verifyDeviceJwt } from "../worker/protocol/device-jwt";
import { InvalidPublicKeyError, parseDevicePublicKey } from "../worker/protocol/device-keys";
import { normalisePem } from "../worker/protocol/device-keys";
import type { CallResult } from "./relay";

export const GET_PUBLIC_KEY_TIMEOUT_MS = 30_000;

export type AdoptionOutcome = { ok: true } | { ok: false; reason: string };

export async function adoptDevice(
  env: Env,
  dongleId: string,
  handshakeToken: string,
  call: (method: string, params: unknown, timeoutMs: number) => Promise<CallResult>,
  nowS: number,
): Promise<AdoptionOutcome> {
  const res = await call("getPublicKey", undefined, GET_PUBLIC_KEY_TIMEOUT_MS);
  if (res.kind !== "reply") return { ok: false, reason: `getPublicKey: ${res.kind}` };
  if (typeof res.reply.result !== "string") return { ok: false, reason: "getPublicKey returned no key" };
  const publicKey = normalisePem(res.reply.result);
  let algorithm;
  try {
    algorithm = parseDevicePublicKey(publicKey).algorithm;
    const claims = await verifyDeviceJwt(handshakeToken, publicKey);
    if (claims.identity !== dongleId) return { ok: false, reason: "handshake token names another dongle" };
  } catch (err) {
    if (err instanceof DeviceJwtError || err instanceof InvalidPublicKeyError)
      return { ok: false, reason: `proof of possession failed: ${err.message}` };
    throw err;
  }
  const db = database(env);
  await db
    .insert(pendingDevices)
    .values({ dongleId, publicKey, keyAlgorithm: algorithm, lastSeen: nowS })
    .onConflictDoNothing();
  // A concurrent claim may have won the insert: only the key on record counts.
  const row = await db.query.pendingDevices.findFirst({ where: eq(pendingDevices.dongleId, dongleId) });
  if (!row || row.publicKey !== publicKey || row.state !== "pending")
    return { ok: false, reason: "another key already claims this dongle id" };
  return { ok: true };
}
