import { describe, expect, it } from "vitest";
import { MessageWriter, ListElem, type FarMode } from "../../test/fixtures/capnp-writer";
import { concatMessages, event, futureMember, gps, initData, T } from "../../test/fixtures/openpilot-log";
import { type CapnpMessage, frameMessages, MessageFramer } from "./capnp";
import { LogFormatError } from "./errors";
import { eventName, eventTag, logMonoTime, readGps, readInitData } from "./event";
import { chunked } from "./stream";

/** Frame `bytes` fed in chunks of `size`; returns what the callback saw for each message. */
function frameAll<T>(bytes: Uint8Array, size: number, read: (m: CapnpMessage) => T): { out: T[]; pending: number } {
  const out: T[] = [];
  const f = new MessageFramer((m) => out.push(read(m)));
  for (const c of chunked(bytes, size)) f.push(c);
  return { out, pending: f.pendingBytes };
}

function sample(far: FarMode): Uint8Array {
  const w = new MessageWriter(far);
  const root = w.initRoot(2, 4);
  root.u64(0, 123456789012345n).u16(8, 7).bool(80, false, true).f32(12, 1.5);
  root.text(0, "héllo wörld, a text longer than sixty-four bytes to take the TextDecoder path");
  root.data(1, new Uint8Array([1, 2, 3, 250]));
  const l = root.initStructList(2, 3, 1, 1);
  l.forEach((e, i) => e.u32(0, 100 + i).text(0, `item${i}`));
  const child = root.initStruct(3, 1, 1);
  child.i32(0, -5);
  child.initList(0, ListElem.EightBytes, 2).f64(0, Math.PI).f64(1, -0.5);
  return w.toBytes();
}

function readSample(m: CapnpMessage) {
  const r = m.root();
  const l = r.list(2)!;
  const child = r.struct(3)!;
  const f = child.list(0)!;
  return {
    segs: m.segCount,
    t: r.u64(0),
    tagU16: r.u16(8),
    validDefaultTrue: r.bool(80, true),
    f: r.f32(12),
    text: r.text(0),
    data: Array.from(r.data(1)!),
    items: Array.from({ length: l.length }, (_, i) => [l.struct(i).u32(0), l.struct(i).text(0)]),
    child: child.i32(0),
    floats: [f.f64(0), f.f64(1)],
    // Beyond the data/pointer sections: defaults (schema evolution).
    beyond: [r.u64(64), r.bool(900, true), r.text(9), r.struct(12)],
  };
}

describe("capnp reader", () => {
  it("reads near, single-far and double-far messages identically", () => {
    const expected = {
      segs: 1,
      t: 123456789012345,
      tagU16: 7,
      validDefaultTrue: false,
      f: 1.5,
      text: "héllo wörld, a text longer than sixty-four bytes to take the TextDecoder path",
      data: [1, 2, 3, 250],
      items: [
        [100, "item0"],
        [101, "item1"],
        [102, "item2"],
      ],
      child: -5,
      floats: [Math.PI, -0.5],
      beyond: [0, true, "", null],
    };
    for (const far of ["none", "single", "double"] as const) {
      const { out } = frameAll(sample(far), 1 << 20, readSample);
      expect(out).toHaveLength(1);
      expect(out[0].segs > 1).toBe(far !== "none");
      expect({ ...out[0], segs: 1 }).toEqual(expected);
    }
  });

  it("frames identically whatever the chunk boundaries (every split of a 3-message stream)", () => {
    const msgs = [sample("none"), sample("single"), sample("double")];
    const all = concatMessages(msgs);
    const ref = frameAll(all, all.length, readSample).out;
    expect(ref).toHaveLength(3);
    for (let size = 1; size <= 64; size++) {
      const r = frameAll(all, size, readSample);
      expect(r.pending).toBe(0);
      expect(r.out).toEqual(ref);
    }
    // Two-chunk splits at every byte.
    for (let cut = 1; cut < all.length; cut += 3) {
      const out: number[] = [];
      const f = new MessageFramer((m) => out.push(m.rootU64(0)));
      f.push(all.subarray(0, cut));
      f.push(all.subarray(cut));
      expect(out).toEqual([123456789012345, 123456789012345, 123456789012345]);
    }
  });

  it("reads Event headers and skips unknown union members", () => {
    const bytes = concatMessages([
      initData(5e9),
      futureMember(6e9, 300),
      gps(7e9, { lat: 1, lng: 2, speed: 3 }),
      futureMember(8e9, 65000),
    ]);
    const { out } = frameAll(bytes, 100, (m) => [logMonoTime(m), eventTag(m), eventName(eventTag(m))]);
    expect(out).toEqual([
      [5e9, T.initData, "initData"],
      [6e9, 300, "tag:300"],
      [7e9, T.gpsLocation, "gpsLocation"],
      [8e9, 65000, "tag:65000"],
    ]);
  });

  it("reads old, smaller structs with defaults for newer fields", () => {
    const bytes = concatMessages([
      initData(1, { schema: "old", gitCommitDate: "x" }),
      gps(2, { lat: 10, lng: 20, speed: 1, schema: "old" }),
    ]);
    const { out } = frameAll(bytes, 1 << 20, (m) =>
      eventTag(m) === T.initData ? readInitData(m, new Set(["RecordFront"])) : readGps(m),
    );
    const init = out[0] as ReturnType<typeof readInitData>;
    expect(init.wallTimeNanos).toBe(0);
    expect(init.gitCommitDate).toBe("");
    expect(init.version).toBe("0.10.2");
    expect(init.params).toEqual({ RecordFront: "1" }); // only the requested key, never the whole map
    const g = out[1] as NonNullable<ReturnType<typeof readGps>>;
    expect(g.hasFix).toBe(false); // bit 480 is beyond an old 56-byte struct
    expect(g.valid).toBe(true); // flags & 1
    expect([g.latitude, g.longitude, g.speed]).toEqual([10, 20, 1]);
  });
});

describe("capnp corruption is a typed error", () => {
  const run =
    (bytes: Uint8Array, read: (m: CapnpMessage) => unknown = (m) => readSample(m)) =>
    () =>
      frameAll(bytes, 1 << 20, read);
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(LogFormatError);
      return (e as LogFormatError).code;
    }
    return "no error";
  };

  it("rejects impossible segment tables", () => {
    const b = sample("none");
    const many = b.slice();
    new DataView(many.buffer).setUint32(0, 100_000, true);
    expect(code(run(many))).toBe("bad-frame");
    const huge = b.slice();
    new DataView(huge.buffer).setUint32(4, 0x10000000, true);
    expect(code(run(huge))).toBe("bad-frame");
    const empty = b.slice();
    new DataView(empty.buffer).setUint32(4, 0, true);
    expect(code(run(empty))).toBe("bad-frame");
    expect(code(run(new TextEncoder().encode("\xff\xd8\xff\xe0 a JPEG is not a log")))).toBe("bad-frame");
  });

  it("rejects out-of-bounds and malformed pointers", () => {
    const mk = (lo: number, hi: number) => {
      const w = new MessageWriter("none");
      w.initRoot(2, 1).u64(0, 1).rawPointer(0, lo, hi);
      return w.toBytes();
    };
    const readPtr0 = (m: CapnpMessage) => m.root().struct(0);
    expect(code(run(mk((1000 << 2) | 0, 1 | (1 << 16)), readPtr0))).toBe("bad-pointer"); // struct past segment end
    expect(code(run(mk(((-1000 << 2) | 0) >>> 0, 1), readPtr0))).toBe("bad-pointer"); // before segment start
    expect(code(run(mk(2, 5), readPtr0))).toBe("bad-pointer"); // far pointer to a missing segment
    expect(code(run(mk(1 | (0 << 2), (7 | (1 << 3)) >>> 0), readPtr0))).toBe("bad-pointer"); // list where a struct is expected
    expect(code(run(mk(3, 0), (m) => m.root().list(0)))).toBe("bad-pointer"); // capability pointer
    expect(code(run(mk(1, (2 | (5000 << 3)) >>> 0), (m) => m.root().text(0)))).toBe("bad-pointer"); // text past end
    expect(code(run(mk(1, (0 | (0x1fffffff << 3)) >>> 0), (m) => m.root().list(0)))).toBe("bad-pointer"); // 500M-element void list
  });

  it("rejects a single-far landing pad that is itself far", () => {
    const w = new MessageWriter("single");
    const root = w.initRoot(2, 1);
    root.initStruct(0, 1, 0).u32(0, 9);
    const b = w.toBytes();
    // Root is in segment 1 with its pad in segment 1 word 0; the child sits in segment 2 whose
    // pad (word 0) we overwrite with a far pointer.
    const dv = new DataView(b.buffer);
    const segCount = dv.getUint32(0, true) + 1;
    const header = (4 * (segCount + 1) + 7) & ~7;
    const seg2 = header + (dv.getUint32(4, true) + dv.getUint32(8, true)) * 8;
    dv.setUint32(seg2, 2, true);
    dv.setUint32(seg2 + 4, 0, true);
    expect(code(run(b, (m) => m.root().struct(0)))).toBe("bad-pointer");
  });

  it("reports a truncated trailing message without throwing", async () => {
    const all = concatMessages([sample("none"), sample("single")]);
    const seen: number[] = [];
    const r = await frameMessages(
      (async function* () {
        yield* chunked(all.subarray(0, all.length - 5), 17);
      })(),
      (m) => seen.push(m.rootU64(0)),
    );
    expect(seen).toHaveLength(1);
    expect(r.truncated?.code).toBe("truncated");
  });

  it("event() writes what the reader reads for the Event.valid default", () => {
    const bytes = event(1, T.clocks, (r) => r.initStruct(0, 5, 0).u64(24, 42n), { valid: false });
    const { out } = frameAll(bytes, 64, (m) => [m.rootBool(80, true), m.rootStruct(0)!.u64(24)]);
    expect(out).toEqual([[false, 42]]);
  });
});
