/** Row types of the schema, for every floor that passes rows around. */
import type { devices, users } from "./schema";

export type UserRow = typeof users.$inferSelect;
export type DeviceRow = typeof devices.$inferSelect;
