/**
 * Structured logs: one JSON object per line on console.log, which Workers Logs (`observability.enabled`) indexes
 * field by field. Every line has `ts` (ISO) and `level`; errors add `message` and `stack`. Free-form fields and
 * error texts pass through the redaction helper, so no token, password, signature or email reaches the logs.
 */
import { redact, redactString } from "./redact";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

/** Fields that we build ourselves from known-safe values (ids, patterns, numbers): not scanned, for speed. */
export function logLine(level: LogLevel, event: string, fields: LogFields): void {
  console.log(JSON.stringify({ ts: new Date().toISOString(), level, event, ...fields }));
}

/** Fields that may hold anything (messages, reasons, external input): scrubbed first. */
export function logUnsafe(level: LogLevel, event: string, fields: LogFields): void {
  logLine(level, event, redact(fields) as LogFields);
}

export function errorFields(err: unknown): { message: string; stack?: string; error_name?: string } {
  if (err instanceof Error)
    return {
      error_name: err.name,
      message: redactString(err.message),
      stack: err.stack ? redactString(err.stack) : undefined,
    };
  return { message: redactString(String(err)) };
}

export function logError(event: string, err: unknown, fields: LogFields = {}): void {
  logLine("error", event, { ...(redact(fields) as LogFields), ...errorFields(err) });
}
