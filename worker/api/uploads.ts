import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { chargeDevice } from "../http/rate-limit";
import { receiveUpload, UPLOAD_PATH_PREFIX } from "../services/devices/uploads";

/** The signed-URL PUT target. Authorised by its query signature alone: devices send no Authorization header. */
export const uploadRoutes = new Hono<AppEnv>({ strict: false });

uploadRoutes.put(`${UPLOAD_PATH_PREFIX}*`, async (c) => {
  const path = new URL(c.req.url).pathname;
  // Counted in the device's own budget once the signature is checked, so nobody else can spend it.
  const result = await receiveUpload(
    c.env,
    path,
    { exp: c.req.query("exp"), sig: c.req.query("sig") },
    c.req.raw,
    (dongle) => chargeDevice(c, dongle),
  );
  return c.json({ success: 1, key: result.key, size: result.size }, 201);
});
