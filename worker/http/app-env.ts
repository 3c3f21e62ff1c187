import type { Db } from "../db/client";
import type { devices, users } from "../db/schema";

export type UserRow = typeof users.$inferSelect;
export type DeviceRow = typeof devices.$inferSelect;

/** Who is calling: a signed-in user (server-signed JWT) or a device (JWT signed by its own key). */
export type Principal = { kind: "user"; user: UserRow } | { kind: "device"; device: DeviceRow };

/**
 * The caller as a handler that loads it together with its own reads sees it (see `identify` and
 * `batchesIdentity`): a Principal, or a user whose access token is verified but whose row is not loaded yet.
 */
export type Caller = Principal | { kind: "user-id"; userId: string };
/** A Caller that is a signed-in user (row loaded or not). */
export type UserCaller = Exclude<Caller, { kind: "device" }>;

export interface AppEnv {
  Bindings: Env;
  Variables: {
    db: Db;
    principal: Principal | null;
    /** Set instead of `principal` for handlers marked with `batchesIdentity`: the verified user id, row not loaded. */
    deferredUserId?: string;
    /** `cf-ray` or a generated id: in every log line of the request and in `X-Request-Id`. */
    requestId?: string;
  };
}
