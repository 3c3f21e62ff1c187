import type { Db } from "../db/client";
import type { devices, users } from "../db/schema";

export type UserRow = typeof users.$inferSelect;
export type DeviceRow = typeof devices.$inferSelect;

/** Who is calling: a signed-in user (server-signed JWT) or a device (JWT signed by its own key). */
export type Principal = { kind: "user"; user: UserRow } | { kind: "device"; device: DeviceRow };

export interface AppEnv {
  Bindings: Env;
  Variables: { db: Db; principal: Principal | null };
}
