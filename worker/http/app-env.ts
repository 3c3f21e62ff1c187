/** Hono's environment for the app: bindings and the per-request variables the middleware sets. */
import type { Db } from "../db/client";
import type { Principal } from "../services/principal";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    db: Db;
    principal: Principal | null;
    /** Set instead of `principal` for handlers marked with `batchesIdentity`: the verified user id, row not loaded. */
    deferredUserId?: string;
    /** Nonce of this response's CSP (http/security-headers.ts), for the one inline script of /api/docs. */
    secureHeadersNonce?: string;
    /** `cf-ray` or a generated id: in every log line of the request and in `X-Request-Id`. */
    requestId?: string;
  };
}
