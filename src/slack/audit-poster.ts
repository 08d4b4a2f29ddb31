// Renders audit records for the audit channel.
import type { WebClient } from "@slack/web-api";
import type { AuditRecord } from "../domain/audit-event.js";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";

const ICONS: Readonly<Record<AuditRecord["action"], string>> = {
  requested: ":inbox_tray:",
  approved: ":white_check_mark:",
  denied: ":no_entry:",
  provisioned: ":unlock:",
  failed: ":x:",
  revocation_started: ":hourglass_flowing_sand:",
  revoked: ":lock:",
  revocation_retry: ":warning:",
  revocation_stuck: ":rotating_light:",
  drift_detected: ":mag:",
  orphan_removed: ":broom:",
  unmanaged_assignment: ":eyes:",
  unmanaged_removed: ":broom:",
};

export function auditText(record: AuditRecord): string {
  const actor = record.actorId === "system" ? "jit-slack" : mention(record.actorId);
  const details = Object.entries(record.detail)
    .filter(([, value]) => value !== null && value !== "")
    .map(([key, value]) => `${key}=${escapeMrkdwn(String(value))}`)
    .join(" · ");
  return (
    `${ICONS[record.action]} *${record.action}* ${record.grantId ? `${record.grantId} · ` : ""}${escapeMrkdwn(record.permissionSet)} on ${record.accountId}` +
    ` · by ${actor} · ${slackDate(record.at)} · #${record.seq}` +
    (details ? `\n${details}` : "")
  );
}

export function auditChannelPoster(client: WebClient, channel: string): (record: AuditRecord) => Promise<void> {
  return async (record) => {
    await client.chat.postMessage({ channel, text: auditText(record), unfurl_links: false, unfurl_media: false });
  };
}
