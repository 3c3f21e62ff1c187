import { describe, expect, it } from "vitest";
import { qcameraTs } from "../../test/fixtures/log-fixtures.generated";
import { LogFormatError } from "./errors";
import { validateQcamera } from "./qcamera";
import { chunked } from "./stream";

async function* gen(b: Uint8Array, size: number) {
  yield* chunked(b, size);
}
const fails = async (b: Uint8Array | AsyncIterable<Uint8Array>) =>
  validateQcamera(b).then(
    () => {
      throw new Error("expected a LogFormatError");
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(LogFormatError);
      return (e as LogFormatError).code;
    },
  );

describe("validateQcamera", () => {
  it("reads the synthetic device-like qcamera.ts (ffmpeg, 526x330, 20 fps, 2 s, AAC)", async () => {
    for (const size of [qcameraTs.length, 1000, 188, 7]) {
      const r = await validateQcamera(gen(qcameraTs, size));
      expect(r.packets * 188).toBe(qcameraTs.length);
      expect(r.videoCodec).toBe("h264");
      expect(r.hasAudio).toBe(true);
      expect(r.videoFrames).toBe(40);
      expect(r.frameIntervalSeconds).toBeCloseTo(0.05, 6);
      expect(r.durationSeconds).toBeCloseTo(2.0, 3);
      expect(r.startPtsSeconds).toBeGreaterThan(524);
      expect(r.firstFrameIsKeyframe).toBe(true);
    }
  });

  it("rejects truncated, desynchronised, empty and non-TS files", async () => {
    expect(await fails(qcameraTs.subarray(0, qcameraTs.length - 50))).toBe("truncated");
    const bad = qcameraTs.slice();
    bad[188 * 30] = 0x48;
    expect(await fails(bad)).toBe("bad-video");
    expect(await fails(new Uint8Array(0))).toBe("empty");
    expect(await fails(new Uint8Array(188 * 3))).toBe("bad-video");
    // Only PAT/PMT, no video payload.
    expect(await fails(qcameraTs.subarray(0, 188 * 2))).toBe("bad-video");
  });
});
