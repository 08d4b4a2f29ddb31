// The audit trail as files for access reviews: CSV (RFC 4180, safe to open in a spreadsheet) or JSON.
// Pure functions producing text chunks, so a large export streams.
import type { AuditDetail, StoredAuditRecord } from "../domain/audit-event.js";
import { formatDuration } from "../domain/duration.js";
import { InvalidInput } from "../domain/errors.js";

export type ExportFormat = "csv" | "json";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["csv", "json"];

type Column = readonly [header: string, value: (record: StoredAuditRecord) => unknown];

const firstOf = (detail: AuditDetail, ...keys: string[]): unknown =>
  keys.map((key) => detail[key]).find((v) => v !== undefined && v !== null);

/** One row per record: the columns a reviewer reads, then the full detail and the chain hashes. */
const COLUMNS: readonly Column[] = [
  ["seq", (r) => r.seq],
  ["time", (r) => new Date(r.at).toISOString()],
  ["action", (r) => r.action],
  ["actor", (r) => r.actorId],
  ["actor_email", (r) => r.detail.actorEmail],
  ["grant_id", (r) => r.grantId],
  ["account_id", (r) => r.accountId],
  ["permission_set", (r) => r.permissionSet],
  ["status", (r) => r.detail.status],
  ["requester", (r) => firstOf(r.detail, "requesterId") ?? (r.action === "requested" ? r.actorId : undefined)],
  ["requester_email", (r) => r.detail.requesterEmail],
  ["duration", (r) => (typeof r.detail.durationMs === "number" ? formatDuration(r.detail.durationMs) : undefined)],
  ["justification", (r) => r.detail.justification],
  ["approver", (r) => firstOf(r.detail, "decidedBy") ?? (r.action === "approved" || r.action === "denied" ? r.actorId : undefined)],
  ["expires_at", (r) => r.detail.expiresAt],
  ["aws_request_ids", (r) => firstOf(r.detail, "awsRequestIds", "awsRequestId")],
  ["error", (r) => firstOf(r.detail, "error", "reason")],
  ["detail", (r) => JSON.stringify(r.detail)],
  ["prev_hash", (r) => r.prevHash],
  ["hash", (r) => r.hash],
];

// A spreadsheet runs a cell starting with these as a formula (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field: formula-safe (a leading ' when it could run as a formula), quoted when RFC 4180 needs it. */
export function csvField(value: unknown): string {
  let field = value === undefined || value === null ? "" : String(value);
  if (FORMULA_START.test(field)) field = `'${field}`;
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

/** The export as chunks of text, in order; records are read one at a time. */
export async function* exportAudit(
  records: AsyncIterable<StoredAuditRecord> | Iterable<StoredAuditRecord>,
  format: ExportFormat,
): AsyncGenerator<string> {
  if (format === "csv") {
    yield csvLine(COLUMNS.map(([header]) => header));
    for await (const record of records) yield csvLine(COLUMNS.map(([, value]) => value(record)));
    return;
  }
  let first = true;
  yield "[";
  for await (const record of records) {
    yield `${first ? "\n" : ",\n"}${JSON.stringify({ ...record, time: new Date(record.at).toISOString() })}`;
    first = false;
  }
  yield first ? "]\n" : "\n]\n";
}

/**
 * A date bound as people type it: `2026-01-01` (midnight UTC) or an ISO 8601 time with its zone
 * (`2026-01-01T09:00:00Z`, `2026-01-01T09:00+02:00`). Returns epoch milliseconds.
 */
export function parseExportDate(value: string, option: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/.exec(value);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const midnight = new Date(Date.UTC(year, month - 1, day));
    const realDay = midnight.getUTCFullYear() === year && midnight.getUTCMonth() === month - 1 && midnight.getUTCDate() === day;
    const ms = match[4] ? Date.parse(value) : midnight.getTime();
    if (realDay && !Number.isNaN(ms)) return ms;
  }
  throw new InvalidInput(
    `${option} "${value}" is not a date; use YYYY-MM-DD (UTC) or an ISO 8601 time with a zone, like 2026-01-01T09:00:00Z.`,
  );
}
