/** Who is calling: the identity every service decides access for (resolved by worker/http/auth.ts). */
import type { DeviceRow, UserRow } from "../db/types";

/** An API key the request was authenticated with (services/accounts/api-keys.ts): its id and scope. */
export interface ApiKeyUse {
  id: string;
  scope: "read" | "write";
}

/**
 * Who is calling: a signed-in user (server-signed JWT), a user through one of their API keys (`apiKey` set; every
 * user endpoint treats it as that user, `identify` refuses a read key any mutating method) or a device (JWT signed
 * by its own key).
 */
export type Principal = { kind: "user"; user: UserRow; apiKey?: ApiKeyUse } | { kind: "device"; device: DeviceRow };

/**
 * The caller as a handler that loads it together with its own reads sees it (see `identify` and
 * `batchesIdentity`): a Principal, or a user whose access token is verified but whose row is not loaded yet.
 */
export type Caller = Principal | { kind: "user-id"; userId: string };
/** A Caller that is a signed-in user (row loaded or not). */
export type UserCaller = Exclude<Caller, { kind: "device" }>;
