import { describe, expect, it } from "vitest";
import { concatMessages, onroadEvents } from "../../test/fixtures/openpilot-log";
import { MessageFramer } from "./capnp";
import { readOnroadEvents } from "./event";
import { jpegInfo } from "./jpeg";
import { pyRound } from "./pyround";
import { gitCommitDateIso, isoNoZone, routeWallOffset, segmentWallOffset } from "./wallclock";

describe("pyRound (Python round semantics)", () => {
  it("rounds exact binary ties to even, like Python", () => {
    expect(pyRound(0.0625, 3)).toBe(0.062); // toFixed would give 0.063
    expect(pyRound(0.1875, 3)).toBe(0.188);
    expect(pyRound(-0.0625, 3)).toBe(-0.062);
    expect(pyRound(2.5, 0)).toBe(2);
    expect(pyRound(3.5, 0)).toBe(4);
    expect(pyRound(0.001953125, 8)).toBe(0.00195312);
  });
  it("rounds everything else like correctly-rounded decimal", () => {
    expect(pyRound(58.347959794, 8)).toBe(58.34795979);
    expect(pyRound(0.000092599, 6)).toBe(9.3e-5);
    expect(pyRound(1.0005, 3)).toBe(1); // 1.0005 is below the tie in binary
    expect(pyRound(0, 6)).toBe(0);
  });
});

describe("wall clock", () => {
  const clocks = [{ logMonoTime: 10e9, wallTimeNanos: 1.7e18 + 10e9 }];
  it("prefers clocks, cross-checked with GPS; falls back to GPS, then initData", () => {
    expect(
      segmentWallOffset({ clocks, gpsWallOffsetNs: 1.7e18 + 0.3e9, initWallTimeNanos: 0, initLogMonoTime: 5e9 }),
    ).toEqual({ offsetNs: 1.7e18, source: "clocks" });
    // Clock 8 months off vs GPS: GPS wins.
    expect(
      segmentWallOffset({ clocks, gpsWallOffsetNs: 1.72e18, initWallTimeNanos: 0, initLogMonoTime: 5e9 })?.source,
    ).toBe("gps");
    // Unset clock (1970): ignored.
    expect(
      segmentWallOffset({
        clocks: [{ logMonoTime: 1, wallTimeNanos: 5e9 }],
        gpsWallOffsetNs: null,
        initWallTimeNanos: 1.7e18,
        initLogMonoTime: 1e9,
      }),
    ).toEqual({
      offsetNs: 1.7e18 - 1e9,
      source: "initData",
    });
    expect(
      segmentWallOffset({ clocks: [], gpsWallOffsetNs: null, initWallTimeNanos: 0, initLogMonoTime: 1 }),
    ).toBeNull();
    expect(
      routeWallOffset([
        { offsetNs: 1, source: "initData" },
        { offsetNs: 2, source: "clocks" },
        { offsetNs: 3, source: "gps" },
        null,
      ]),
    ).toEqual({ offsetNs: 2, source: "clocks" });
  });
  it("formats comma's dates", () => {
    expect(gitCommitDateIso("'1762565860 2025-11-07 20:37:40 -0500'")).toBe("2025-11-08T01:37:40");
    expect(gitCommitDateIso("2025-11-07 20:37:40 -0500")).toBe("2025-11-08T01:37:40");
    expect(gitCommitDateIso("")).toBeNull();
    expect(isoNoZone(1763047292000)).toBe("2025-11-13T15:21:32");
  });
});

describe("onroadEvents schema history", () => {
  it("decodes names with the enum of the schema that wrote them", () => {
    const names: string[][] = [];
    const f = new MessageFramer((m) => names.push(readOnroadEvents(m).map((e) => `${e.name}${e.warning ? "!" : ""}`)));
    f.push(
      concatMessages([
        onroadEvents(1, [{ name: 7, warning: true }, { name: 95 }], "new"),
        onroadEvents(2, [{ name: 9 }, { name: 1 }], "old"),
      ]),
    );
    expect(names).toEqual([
      ["steerTempUnavailable!", "userBookmark"],
      ["steerTempUnavailable", "steerUnavailable"],
    ]);
  });
});

describe("jpegInfo", () => {
  it("reads SOF dimensions and rejects non-JPEG", () => {
    const sof = [
      0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0x01, 0x2e, 0x01, 0xe2, 3, 0, 0, 0, 0xff, 0xd9,
    ];
    expect(jpegInfo(new Uint8Array(sof))).toEqual({ width: 482, height: 302 });
    expect(jpegInfo(new Uint8Array([1, 2, 3, 4]))).toBeNull();
  });
});
