import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { requireUser } from "../http/auth";
import { requestFields } from "../http/params";
import { auditSource } from "../services/audit";
import { loadDeviceFor } from "../services/access";
import { pairDevice, unpairDevice } from "../services/devices/pairing";

export const pairingRoutes = new Hono<AppEnv>({ strict: false });

pairingRoutes.post("/v2/pilotpair", async (c) => {
  const user = requireUser(c);
  const f = await requestFields(c);
  return c.json(await pairDevice(c.var.db, user, f.pair_token ?? "", auditSource(c.var.principal, c.req.raw)));
});

pairingRoutes.post("/v1/devices/:dongle/unpair", async (c) => {
  requireUser(c);
  const { device } = await loadDeviceFor(c.var.db, c.var.principal, c.req.param("dongle"), "owner");
  await unpairDevice(c.var.db, device, auditSource(c.var.principal, c.req.raw));
  return c.json({ success: 1 });
});
