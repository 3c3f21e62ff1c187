/** /api/v1/upload/*: resumable chunked imports of files copied off a device (worker/services/imports/imports.ts). */
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { requireUser } from "../http/auth";
import { apiRouter, ErrorSchema, jsonBody, jsonContent, userAuth, z } from "../http/openapi";
import { completeImport } from "../services/imports/complete";
import { MAX_IMPORT_SIZE, MAX_PARTS, MIN_PART_SIZE } from "../services/imports/plan";
import {
  cancelImport,
  importView,
  initImport,
  loadImportFor,
  partsOf,
  receiveChunk,
} from "../services/imports/imports";

const UploadId = z.string().max(64).openapi({ description: "From init", example: "9f2c4e1a0b7d4c3e8a6f5d2b1c0e9a87" });
const Sha256 = z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters");

const Session = z
  .object({
    upload_id: UploadId,
    dongle_id: z.string(),
    path: z.string().openapi({ example: "0000001a--c20ba54385--3/rlog.zst" }),
    key: z.string().openapi({ description: "Where the file will live in storage once complete" }),
    size: z.number().int(),
    sha256: z.string(),
    chunk_size: z.number().int().openapi({ description: "Length of every part but the last (which holds the rest)" }),
    chunk_count: z.number().int(),
    state: z.enum(["open", "completing", "completed", "failed"]),
    expires_at: z.number().int().openapi({ description: "unix seconds; resume before this" }),
    received: z.array(z.number().int()).openapi({ description: "Part numbers stored so far: send the others" }),
  })
  .openapi("ImportUpload");

const InitRequest = z
  .object({
    dongle_id: z.string().max(64),
    path: z.string().max(300).openapi({
      description: "Device upload path: `<log_id>--<seg>/<file>`, `boot/<id>` or `crash/<name>`",
      example: "2024-05-01--10-00-00--3/qlog.bz2",
    }),
    size: z
      .number()
      .int()
      .min(1)
      .openapi({ description: `Bytes; at most ${MAX_IMPORT_SIZE}` }),
    sha256: Sha256.openapi({ description: "Hex SHA-256 of the whole file, checked on complete" }),
    chunk_size: z
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({
        description: `Preferred part size; the server clamps it to R2's rules (≥ ${MIN_PART_SIZE} bytes, ≤ ${MAX_PARTS} parts) and answers the size to use`,
      }),
  })
  .openapi("ImportInitRequest");

const Completed = z.object({ key: z.string(), size: z.number().int(), sha256: z.string() }).openapi("ImportResult");

/** Error responses with the codes each status carries here, so the spec documents them. */
function errorsWith(codes: Record<number, string>) {
  return Object.fromEntries(
    Object.entries(codes).map(([status, description]) => [
      status,
      {
        description,
        content: { "application/json": { schema: ErrorSchema } },
      },
    ]),
  );
}

const authErrors = {
  401: "`unauthorized`, `invalid_token`, `token_expired`",
  403: "`insufficient_access` (read-only share), `user_required` (device tokens cannot import)",
  404: "`upload_not_found` / `device_not_found`: unknown, or not visible to the caller",
};
const endedErrors = { 410: "`upload_expired`, `upload_failed`: start a new upload" };
const idParam = { params: z.object({ upload_id: UploadId }) };
const tags = ["imports"];

const initRoute = createRoute({
  method: "post",
  path: "/api/v1/upload/init",
  tags,
  security: userAuth,
  summary: "Start (or resume) a chunked import of one device file",
  description:
    "Needs write access to the device. Calling it again for the same dongle, path, size and sha256 while " +
    "that upload is open returns the same upload with the parts already received, so an interrupted import resumes.",
  request: jsonBody(InitRequest),
  responses: {
    200: jsonContent(Session, "The upload to send parts to"),
    ...errorsWith({
      400: "`invalid_request`, `invalid_json`, `invalid_path`",
      ...authErrors,
      409: "`route_deleted`: the route was deleted and cannot come back",
      413: "`file_too_large`",
    }),
  },
});

const statusRoute = createRoute({
  method: "get",
  path: "/api/v1/upload/{upload_id}",
  tags,
  security: userAuth,
  summary: "An upload's state and the parts received (for resuming)",
  request: idParam,
  responses: { 200: jsonContent(Session, "The upload"), ...errorsWith(authErrors) },
});

const chunkResponses = {
  200: jsonContent(
    z
      .object({ part: z.number().int(), size: z.number().int(), received: z.array(z.number().int()) })
      .openapi("ImportChunk"),
    "Part stored",
  ),
  ...errorsWith({
    400:
      "`invalid_request`, `invalid_part`, `chunk_size_mismatch` (a part's length is fixed: chunk_size, the last one the rest), " +
      "`incomplete_chunk`, `invalid_digest`, `chunk_checksum_mismatch` (send the part again)",
    ...authErrors,
    409: "`upload_completed`, `upload_busy` (a complete is running or was interrupted: call complete)",
    ...endedErrors,
    411: "`length_required`",
  }),
};
const chunkBody = {
  body: {
    required: true,
    description:
      "The part's bytes, streamed. Optional integrity check of this part: `Content-Digest: sha-256=:<base64>:` " +
      "(RFC 9530) or `X-Content-SHA256: <hex>`. Re-sending a part replaces it.",
    content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
  },
};
const PartNumber = z.coerce.number().int().min(1).max(MAX_PARTS).openapi({ description: "1-based part number" });

const chunkRoute = createRoute({
  method: "put",
  path: "/api/v1/upload/{upload_id}/chunk",
  tags,
  security: userAuth,
  summary: "Upload one part",
  request: { ...idParam, query: z.object({ part: PartNumber }), ...chunkBody },
  responses: chunkResponses,
});

const chunkAliasRoute = createRoute({
  method: "put",
  path: "/api/v1/upload/{upload_id}/chunk/{part}",
  tags,
  security: userAuth,
  summary: "Upload one part (part number in the path)",
  request: { params: z.object({ upload_id: UploadId, part: PartNumber }), ...chunkBody },
  responses: chunkResponses,
});

const completeRoute = createRoute({
  method: "post",
  path: "/api/v1/upload/{upload_id}/complete",
  tags,
  security: userAuth,
  summary: "Assemble the parts, verify size and SHA-256, then process the file like a device upload",
  description:
    "Idempotent: completing a completed upload answers the same result. On a checksum mismatch nothing is " +
    "stored or recorded and the upload ends (start a new one).",
  request: idParam,
  responses: {
    200: jsonContent(Completed, "Stored, booked and queued for processing"),
    ...errorsWith({
      ...authErrors,
      409: "`upload_incomplete` (message lists missing parts), `upload_busy` (retry), `assembly_failed` (send all parts again), `route_deleted`",
      ...endedErrors,
      422: "`checksum_mismatch`, `size_mismatch`: the upload ended and left nothing behind",
    }),
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/api/v1/upload/{upload_id}/cancel",
  tags,
  security: userAuth,
  summary: "Abort an upload and forget it",
  request: idParam,
  responses: {
    200: jsonContent(z.object({ success: z.boolean() }), "Cancelled"),
    ...errorsWith({ ...authErrors, 409: "`upload_completed`, `upload_busy`" }),
  },
});

async function chunk(c: Context<AppEnv>, id: string, part: number) {
  const row = await loadImportFor(c.var.db, requireUser(c), id);
  const stored = await receiveChunk(c.env, c.var.db, row, part, c.req.raw);
  const received = (await partsOf(c.var.db, row.id)).map((p) => p.partNumber);
  return c.json({ ...stored, received }, 200);
}

export const importsApi = apiRouter()
  .openapi(initRoute, async (c) => {
    const row = await initImport(c.env, c.var.db, requireUser(c), c.req.valid("json"));
    return c.json(
      importView(
        row,
        (await partsOf(c.var.db, row.id)).map((p) => p.partNumber),
      ),
      200,
    );
  })
  .openapi(statusRoute, async (c) => {
    const row = await loadImportFor(c.var.db, requireUser(c), c.req.valid("param").upload_id);
    return c.json(
      importView(
        row,
        (await partsOf(c.var.db, row.id)).map((p) => p.partNumber),
      ),
      200,
    );
  })
  .openapi(chunkRoute, (c) => chunk(c, c.req.valid("param").upload_id, c.req.valid("query").part))
  .openapi(chunkAliasRoute, (c) => chunk(c, c.req.valid("param").upload_id, c.req.valid("param").part))
  .openapi(completeRoute, async (c) => {
    const row = await loadImportFor(c.var.db, requireUser(c), c.req.valid("param").upload_id);
    return c.json(await completeImport(c.env, c.var.db, row), 200);
  })
  .openapi(cancelRoute, async (c) => {
    const row = await loadImportFor(c.var.db, requireUser(c), c.req.valid("param").upload_id);
    await cancelImport(c.env, c.var.db, row);
    return c.json({ success: true }, 200);
  });
