import { describe, expect, it } from "vitest";
import {
  classifyDeviceFrame,
  deviceSafeJson,
  errorReply,
  parseUserCall,
  RpcShapeError,
  successReply,
  wireCall,
} from "../worker/protocol/jsonrpc";

describe("JSON-RPC wire rules for openpilot devices", () => {
  it("builds calls from the four keys json-rpc 1.15 accepts, omitting absent params", () => {
    expect(JSON.parse(wireCall("getVersion", undefined, "r1"))).toEqual({
      jsonrpc: "2.0",
      method: "getVersion",
      id: "r1",
    });
    expect(Object.keys(JSON.parse(wireCall("echo", ["x"], 3)))).toEqual(["jsonrpc", "method", "params", "id"]);
  });

  it("takes expiry and the caller's id out of a user call and rejects bad shapes", () => {
    expect(
      parseUserCall({ jsonrpc: "2.0", method: "echo", params: ["a"], id: 0, expiry: "1700000000.7", junk: 1 }),
    ).toEqual({ method: "echo", params: ["a"], callerId: 0, expiry: 1_700_000_000 });
    expect(parseUserCall({ method: "listUploadQueue" })).toEqual({
      method: "listUploadQueue",
      params: undefined,
      callerId: null,
      expiry: null,
    });
    for (const bad of [
      null,
      [],
      "x",
      { method: "" },
      { method: 1 },
      { method: "a", params: "s" },
      { method: "a", id: 1.5 },
      { method: "a", id: {} },
      { method: "a", expiry: "soon" },
      { method: "rpc.x" },
    ]) {
      expect(() => parseUserCall(bad)).toThrow(RpcShapeError);
    }
  });

  it("classifies device frames, tolerating bare errors and garbage", () => {
    expect(
      classifyDeviceFrame('{"method":"forwardLogs","params":{"logs":""},"jsonrpc":"2.0","id":"swaglog.1"}'),
    ).toMatchObject({ kind: "call", call: { method: "forwardLogs", id: "swaglog.1" } });
    expect(classifyDeviceFrame('{"jsonrpc":"2.0","result":null,"id":7}')).toMatchObject({
      kind: "reply",
      reply: { id: 7 },
    });
    expect(
      classifyDeviceFrame('{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}'),
    ).toMatchObject({ kind: "bare-error" });
    expect(classifyDeviceFrame('{"error":"boom"}')).toEqual({ kind: "bare-error", error: "boom" });
    expect(classifyDeviceFrame(new TextEncoder().encode('{"id":"a","result":1}').buffer as ArrayBuffer)).toMatchObject({
      kind: "reply",
    });
    expect(classifyDeviceFrame(new Uint8Array([0xff, 0xfe]).buffer as ArrayBuffer)).toMatchObject({ kind: "garbage" });
    expect(classifyDeviceFrame("{")).toMatchObject({ kind: "garbage" });
  });

  it("never lets 'method' appear in replies to the device, while the values decode unchanged", () => {
    const tricky = ["method", "a\\method", 'x"method', "methodmethod"];
    for (const id of tricky) {
      const text = deviceSafeJson({ jsonrpc: "2.0", id, result: { success: 1, note: `${id} method` } });
      expect(text).not.toContain("method");
      expect(JSON.parse(text)).toEqual({ jsonrpc: "2.0", id, result: { success: 1, note: `${id} method` } });
    }
    expect(JSON.parse(successReply("swaglog.0000000001"))).toEqual({
      jsonrpc: "2.0",
      id: "swaglog.0000000001",
      result: { success: 1 },
    });
    expect(errorReply(1, -32601, "unknown method")).not.toContain("method");
  });
});
