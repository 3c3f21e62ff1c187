/**
 * events.json, exactly as comma's backend makes it (logs.md §3.1, verified on real segments).
 * Times: `time` is raw ns (a logMonoTime, or timestampEof for first_road_camera_frame);
 * offset_millis = trunc((time - segStart)/1e6) (may be negative); route_offset_millis =
 * floor((time - init)/1e6). Elements are sorted by time (stable).
 */
export type DriveEvent =
  | {
      type: "event";
      time: number;
      offset_millis: number;
      route_offset_millis: number;
      data: { event_type: "record_front_toggle"; value: boolean };
    }
  | {
      type: "event";
      time: number;
      offset_millis: number;
      route_offset_millis: number;
      data: { event_type: "first_road_camera_frame" };
    }
  | {
      type: "state";
      time: number;
      offset_millis: number;
      route_offset_millis: number;
      data: { state: string; enabled: boolean; alertStatus: number };
    }
  | {
      type: "user_flag";
      time: number;
      offset_millis: number;
      route_offset_millis: number;
      data: Record<string, never>;
    };

export interface StateChange {
  logMonoTime: number;
  state: string;
  enabled: boolean;
  alertStatus: number;
}

export interface EventsInput {
  init: number;
  segStart: number;
  /** initData.params["RecordFront"] when the param exists (value "1" = true), else undefined. */
  recordFront?: boolean;
  /** timestampEof of the first roadCameraState in file order. */
  firstRoadCameraFrameEof?: number;
  /** Already reduced to changes of (state, enabled, alertStatus), first message of the segment included. */
  states: readonly StateChange[];
  /** logMonoTimes of userFlag/userBookmark messages. */
  userFlags: readonly number[];
  /** Type name for bookmarks: new-connect reads "user_flag" (logs.md §3.1, unverified against comma). */
  userFlagType?: "user_flag";
}

const NS_PER_MS = 1e6;

export function buildEvents(inp: EventsInput): DriveEvent[] {
  const { init, segStart } = inp;
  const times = (time: number) => ({
    time,
    offset_millis: Math.trunc((time - segStart) / NS_PER_MS),
    route_offset_millis: Math.floor((time - init) / NS_PER_MS),
  });
  const out: DriveEvent[] = [];
  if (inp.recordFront !== undefined)
    out.push({
      type: "event",
      ...times(segStart),
      data: { event_type: "record_front_toggle", value: inp.recordFront },
    });
  if (inp.firstRoadCameraFrameEof !== undefined)
    out.push({ type: "event", ...times(inp.firstRoadCameraFrameEof), data: { event_type: "first_road_camera_frame" } });
  for (const s of inp.states)
    out.push({
      type: "state",
      ...times(s.logMonoTime),
      data: { state: s.state, enabled: s.enabled, alertStatus: s.alertStatus },
    });
  for (const t of inp.userFlags) out.push({ type: "user_flag", ...times(t), data: {} });
  // Array.prototype.sort is stable: ties keep the insertion order above.
  return out.sort((a, b) => a.time - b.time);
}

/** Keep the first message and every message whose (state, enabled, alertStatus) differs from the previous one. */
export class StateChangeTracker {
  readonly changes: StateChange[] = [];
  private key = "";
  count = 0;
  push(logMonoTime: number, state: string, enabled: boolean, alertStatus: number): void {
    this.count++;
    const key = `${state}|${enabled ? 1 : 0}|${alertStatus}`;
    if (key === this.key) return;
    this.key = key;
    this.changes.push({ logMonoTime, state, enabled, alertStatus });
  }
}
