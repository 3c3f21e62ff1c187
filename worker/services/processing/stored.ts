/**
 * Files we keep but do not decode: full-resolution camera streams (fcamera/ecamera/dcamera.hevc; counted in
 * maxcamera/… at upload and served as they are) and crash reports. Processing only confirms the object is in
 * storage and records its size, so their state reaches done like everything else.
 */
import type { Processor } from "./context";
import { MissingObjectError } from "./context";

export const storedProcessor: Processor = {
  async run({ env, msg }) {
    const head = await env.MEDIA.head(msg.key);
    if (!head) throw new MissingObjectError(msg.key);
    return { info: { size: head.size } };
  },
};
