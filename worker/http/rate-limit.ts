/**
 * Rate-limit middleware over services/rate-limits.ts: every over-limit call gets 429 `rate_limited` with
 * Retry-After, as JSON. `identifyAndLimit` is `identify` followed by the caller's budget; a request whose credentials
 * are refused is counted per IP before its 401, so bad tokens cannot be tried without limit either.
 */
import type { Context, MiddlewareHandler } from "hono";
import { clientIp } from "../services/audit";
import {
  LIMIT_PERIOD_S,
  type LimitCharge,
  anonymousCharge,
  callerLimitFor,
  deviceCharge,
  sensitiveLimitFor,
  withinLimit,
} from "../services/rate-limits";
import type { AppEnv } from "./app-env";
import { callerOf, identify } from "./auth";
import { ApiError } from "../errors";

export const rateLimited = () =>
  new ApiError(429, "rate_limited", "Too many requests; slow down and retry after the Retry-After delay", {
    "Retry-After": String(LIMIT_PERIOD_S),
  });

async function charge(c: Context<AppEnv>, what: LimitCharge | null): Promise<void> {
  if (what && !(await withinLimit(c.env, what))) throw rateLimited();
}

/** Sign-up, sign-in, pilotauth and pairing: their own tighter per-IP limit, before anything else runs. */
export const limitSensitiveEndpoints: MiddlewareHandler<AppEnv> = async (c, next) => {
  await charge(c, sensitiveLimitFor(c.req.method, c.req.path, clientIp(c.req.raw)));
  await next();
};

/** `identify`, then the call counts in its caller's budget (per principal, or per IP when anonymous). */
export const identifyAndLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  let identified = false;
  try {
    await identify(c, async () => {
      identified = true;
      await charge(c, callerLimitFor(c.req.path, callerOf(c), clientIp(c.req.raw)));
      await next();
    });
  } catch (err) {
    // Refused credentials: count the attempt per IP (429 once over), then answer the 401/403.
    if (!identified) await charge(c, anonymousCharge(c.req.path, clientIp(c.req.raw)));
    throw err;
  }
};

/** A device's own budget (upload PUTs after their signature check, athena connects after authentication). */
export const chargeDevice = (c: Context<AppEnv>, dongleId: string) => charge(c, deviceCharge(dongleId));
