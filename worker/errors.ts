/**
 * Errors every floor may throw (services, protocols, routers). Every error leaves the API as JSON
 * `{error, message}`: `error` is a stable machine code (documented in the OpenAPI spec), `message` is for people.
 * The HTTP layer renders them (worker/http/errors.ts).
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Throw it anywhere below a router; the app's onError renders it with its status and headers. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string) => new ApiError(400, code, message);
export const unauthorized = (message = "Authentication required", code = "unauthorized") =>
  new ApiError(401, code, message);
export const forbidden = (message = "You do not have access to this resource", code = "forbidden") =>
  new ApiError(403, code, message);
export const notFound = (message = "Not found", code = "not_found") => new ApiError(404, code, message);
