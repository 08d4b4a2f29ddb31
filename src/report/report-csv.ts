// The review as CSV (RFC 4180): one row per account, permission set and person, for a spreadsheet.
import type { ReportData } from "./report-data.js";

const HEADER = [
  "account_id",
  "account_name",
  "permission_set",
  "requester_id",
  "requester_email",
  "grants",
  "hours",
  "longest_hours",
  "target_grants",
  "target_approvers",
  "target_break_glass",
  "target_extensions",
  "target_unused",
  "target_flagged_unreviewed",
  "target_flagged",
  "target_partial_digests",
];

/** Quotes a field when it needs it; a leading = + - @ is neutralised so a spreadsheet does not run it as a formula. */
function field(value: string | number | null): string {
  let text = value === null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function reportCsv({ review }: ReportData): string {
  const rows: (string | number | null)[][] = [HEADER];
  for (const target of review.targets) {
    const approvers = target.approvers.map((a) => `${a.id}×${a.count}`).join(" ");
    for (const person of target.people) {
      rows.push([
        target.accountId,
        target.accountName,
        target.permissionSet,
        person.requesterId,
        person.email,
        person.grants,
        person.hours.toFixed(2),
        person.longestHours.toFixed(2),
        target.grants,
        approvers,
        target.breakGlass,
        target.extensions,
        target.unused,
        target.flaggedUnreviewed,
        target.flagged,
        target.partialDigests,
      ]);
    }
  }
  return `${rows.map((row) => row.map(field).join(",")).join("\r\n")}\r\n`;
}
