/**
 * rlog → validated by a strict streaming scan (every message framed, pointers checked, truncation is an error:
 * an rlog is only useful whole) and recorded. Memory stays flat (decoder window + one message) however large
 * the file. maxlog was already moved at upload; the scan summary goes to file_processing.info.
 */
import { scanRlog } from "../../logs";
import { getObject, type Processor } from "./context";

export const rlogProcessor: Processor = {
  async run({ env, msg }) {
    const obj = await getObject(env, msg.key);
    const scan = await scanRlog(obj.body, { strict: true });
    return {
      info: {
        container: scan.container,
        messages: scan.messages,
        decompressedBytes: scan.decompressedBytes,
        multiSegmentMessages: scan.multiSegmentMessages,
        invalidFlagged: scan.invalidFlagged,
        minLogMonoTime: scan.minLogMonoTime,
        maxLogMonoTime: scan.maxLogMonoTime,
        services: scan.services,
      },
    };
  },
};
