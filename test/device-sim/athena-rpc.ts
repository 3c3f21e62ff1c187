/**
 * The device's JSON-RPC server as openpilot ≤ 0.11.x runs it: json-rpc 1.15's JSONRPCResponseManager.handle
 * (docs/athena.md). Strict on purpose, because the server must cope with exactly this: any
 * top-level key besides jsonrpc/method/params/id is an Invalid Request, a call without id gets the bare error
 * object athenad produces, exceptions become -32000 "Server error" with `data`.
 */
export interface DeviceMethod {
  /** Parameter names, in order, for positional params (the web apps send some calls as arrays). */
  args: string[];
  fn: (kwargs: Record<string, unknown>) => unknown;
}

export type Dispatcher = Record<string, DeviceMethod>;

const ALLOWED_KEYS = new Set(["jsonrpc", "method", "params", "id"]);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isId = (v: unknown) => typeof v === "string" || (typeof v === "number" && Number.isInteger(v));

const reply = (body: Record<string, unknown>) => JSON.stringify({ jsonrpc: "2.0", ...body });

export class InvalidParams extends Error {}

/** Handles one text frame the device routed as a call; returns the frame it sends back. */
export async function handleCall(text: string, dispatcher: Dispatcher): Promise<string> {
  let req: unknown;
  try {
    req = JSON.parse(text);
  } catch {
    return reply({ error: { code: -32700, message: "Parse error" }, id: null });
  }
  if (
    !isObject(req) ||
    Object.keys(req).some((k) => !ALLOWED_KEYS.has(k)) ||
    req.jsonrpc !== "2.0" ||
    typeof req.method !== "string" ||
    ("id" in req && !isId(req.id)) ||
    (req.params !== undefined && typeof req.params !== "object")
  ) {
    return reply({ error: { code: -32600, message: "Invalid Request" }, id: null });
  }
  // A notification: the manager returns None and athenad's `.json` on it raises inside the handler thread.
  if (!("id" in req)) return JSON.stringify({ error: "'NoneType' object has no attribute 'json'" });
  const id = req.id;
  const method = dispatcher[req.method];
  if (!method) return reply({ error: { code: -32601, message: "Method not found" }, id });
  try {
    const result = await method.fn(kwargs(method, req.params));
    return reply({ result, id });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const data = { type: e instanceof InvalidParams ? "TypeError" : e.name, args: [e.message], message: e.message };
    if (e instanceof InvalidParams) return reply({ error: { code: -32602, message: "Invalid params", data }, id });
    return reply({ error: { code: -32000, message: "Server error", data }, id });
  }
}

function kwargs(method: DeviceMethod, params: unknown): Record<string, unknown> {
  if (params === undefined || params === null) return {};
  if (Array.isArray(params)) {
    if (params.length > method.args.length)
      throw new InvalidParams(`takes ${method.args.length} positional arguments but ${params.length} were given`);
    return Object.fromEntries(params.map((v, i) => [method.args[i], v]));
  }
  const obj = params as Record<string, unknown>;
  const unknown = Object.keys(obj).find((k) => !method.args.includes(k));
  if (unknown) throw new InvalidParams(`got an unexpected keyword argument '${unknown}'`);
  return obj;
}
