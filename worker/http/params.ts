import type { Context } from "hono";
import { badRequest } from "../errors";

/**
 * Request fields from wherever a client put them. Devices send pilotauth fields as query parameters on an
 * empty POST; comma's apps send forms (urlencoded or multipart); our apps send JSON. Body wins over query.
 */
export async function requestFields(c: Context): Promise<Record<string, string>> {
  const fields: Record<string, string> = { ...c.req.query() };
  const type = c.req.header("Content-Type") ?? "";
  const hasBody = c.req.raw.body !== null && c.req.header("Content-Length") !== "0";
  if (!hasBody) return fields;
  try {
    if (type.includes("application/json")) {
      const body = await c.req.json();
      if (body && typeof body === "object" && !Array.isArray(body)) {
        for (const [k, v] of Object.entries(body))
          if (v !== null && v !== undefined) fields[k] = typeof v === "string" ? v : JSON.stringify(v);
      }
    } else if (type.includes("application/x-www-form-urlencoded") || type.includes("multipart/form-data")) {
      const form = await c.req.parseBody();
      for (const [k, v] of Object.entries(form)) if (typeof v === "string") fields[k] = v;
    }
  } catch {
    throw badRequest("invalid_body", "The request body could not be parsed");
  }
  return fields;
}

/** An optional numeric query parameter (absent or empty: undefined); anything else than a number answers 400. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any router's context
export function numberQuery(c: Context<any>, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw badRequest("invalid_request", `${name} must be a number`);
  return value;
}

/** Parses a JSON body or answers 400, never 500. */
export async function jsonBody<T = unknown>(c: Context): Promise<T> {
  try {
    return (await c.req.json()) as T;
  } catch {
    throw badRequest("invalid_json", "The request body must be JSON");
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any router's context
export function publicOrigin(c: Context<any>): string {
  return c.env.PUBLIC_URL ? c.env.PUBLIC_URL.replace(/\/+$/, "") : new URL(c.req.url).origin;
}
