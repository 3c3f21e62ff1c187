/**
 * Our documented /api/v1 surface: every route is declared with createRoute() and zod schemas, so the OpenAPI 3.1
 * document at /api/v1/openapi.json is generated from the same schemas that validate requests.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { badRequest } from "../errors";

export { z };

/** A router for /api/v1. Validation failures become 400 `invalid_request` with the first problem spelled out. */
export function apiRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        throw badRequest("invalid_request", `${issue?.path.join(".") || "request"}: ${issue?.message ?? "invalid"}`);
      }
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z.string().openapi({ description: "Stable machine-readable code", example: "not_found" }),
    message: z.string().openapi({ description: "Human-readable explanation" }),
  })
  .openapi("Error");

const errorDescriptions: Record<number, string> = {
  400: "Invalid request (`invalid_request`, `invalid_json`, …)",
  401: "Not signed in, or the token is invalid/expired (`unauthorized`, `invalid_token`, `token_expired`)",
  403: "Signed in but not allowed (`forbidden`, `insufficient_access`, `insufficient_role`)",
  404: "Not found, or not visible to the caller",
  409: "Conflict with existing data",
  412: "Precondition failed",
  413: "Too large",
  429: "Rate limited (`rate_limited`, `too_many_attempts` for sign-in guesses); see Retry-After",
  501: "Not available on this server",
  502: "Upstream failure",
  504: "Timed out",
};

/** Error responses for createRoute({ responses }). */
export function errors(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: errorDescriptions[s] ?? "Error",
        content: { "application/json": { schema: ErrorSchema } },
      },
    ]),
  );
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { "application/json": { schema } }, required: true } };
}

/** Routes that need a signed-in user carry this (Authorization: JWT <token> or Bearer <token>). */
export const userAuth = [{ jwt: [] }];
