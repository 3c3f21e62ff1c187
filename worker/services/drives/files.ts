/**
 * comma's `/v1/route/:r/files` lists: every uploaded file of a drive as a signed media URL, per kind, in segment
 * order. Both API surfaces answer it from here (comma's and `GET /api/v1/routes/{fullname}/files`).
 */
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { uploadedFiles } from "../../db/schema";
import { signedMediaUrl } from "./media";
import type { RouteRow } from "./views";

/** Upload kind → comma's list name (boot and crash logs belong to no drive). */
const FILE_LISTS = {
  fcamera: "cameras",
  dcamera: "dcameras",
  ecamera: "ecameras",
  rlog: "logs",
  qcamera: "qcameras",
  qlog: "qlogs",
} as const;
type FileListName = (typeof FILE_LISTS)[keyof typeof FILE_LISTS];

export async function routeFiles(
  env: Env,
  db: Db,
  origin: string,
  route: RouteRow,
): Promise<Record<FileListName, string[]>> {
  const rows = await db
    .select({ key: uploadedFiles.key, kind: uploadedFiles.kind })
    .from(uploadedFiles)
    .where(and(eq(uploadedFiles.dongleId, route.dongleId), eq(uploadedFiles.logId, route.logId)))
    .orderBy(asc(uploadedFiles.segment));
  const out: Record<FileListName, string[]> = {
    cameras: [],
    dcameras: [],
    ecameras: [],
    logs: [],
    qcameras: [],
    qlogs: [],
  };
  for (const row of rows) {
    const list = FILE_LISTS[row.kind as keyof typeof FILE_LISTS];
    if (list) out[list].push(await signedMediaUrl(env, origin, row.key));
  }
  return out;
}
