/**
 * Boot logs (boot/<id>[.zst|.bz2]) are capnp logs like qlogs: initData, then the boot message (pstore, launch
 * log). The initData fills in the device record: device_type, and serial (param HardwareSerial) and
 * openpilot_version only where missing. The version is kept fresh from every API call's User-Agent
 * (services/devices/devices.ts), and a boot log can be days old, so it must not roll a newer version back.
 */
import { eq, sql } from "drizzle-orm";
import { devices } from "../../db/schema";
import { eventTag, frameMessages, LogFormatError, openLog, readInitData, TAG, type InitDataInfo } from "../../logs";
import { getObject, type Processor } from "./context";

const WANTED = new Set(["HardwareSerial"]);

export const bootlogProcessor: Processor = {
  async run({ env, db, msg }) {
    const obj = await getObject(env, msg.key);
    const log = await openLog(obj.body);
    let init: InitDataInfo | null = null;
    const framed = await frameMessages(log.chunks, (m) => {
      if (!init && eventTag(m) === TAG.initData) init = readInitData(m, WANTED);
    });
    const found = init as InitDataInfo | null; // narrowed by the callback, which TS cannot see
    if (!found)
      throw (
        framed.truncated ??
        new LogFormatError("missing-init-data", `boot log has no initData among ${framed.messages} messages`)
      );
    const known = found.deviceType !== "unknown" && !found.deviceType.startsWith("unknown(");
    const deviceType = known ? found.deviceType : null;
    const serial = found.params.HardwareSerial || null;
    const version = found.version || null;
    return {
      info: {
        container: log.kind,
        messages: framed.messages,
        truncated: !!framed.truncated,
        deviceType,
        version,
        hasSerial: !!serial,
        dongleIdMatches: found.dongleId === msg.dongleId,
      },
      statements: [
        db
          .update(devices)
          .set({
            deviceType: sql`coalesce(${deviceType}, ${devices.deviceType})`,
            serial: sql`coalesce(${devices.serial}, ${serial})`,
            openpilotVersion: sql`coalesce(${devices.openpilotVersion}, ${version})`,
          })
          .where(eq(devices.dongleId, msg.dongleId)),
      ],
    };
  },
};
