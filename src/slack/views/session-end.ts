// Until when role sessions stay valid where the session fence cannot end them with the grant: AWS
// keeps a session valid for the permission set's session duration however soon the assignment goes.
import type { KnownBlock } from "@slack/types";
import { formatDuration } from "../../domain/duration.js";
import {
  fenceGap,
  fenceGapCause,
  sessionDurationKnown,
  sessionsValidUntil,
  type FenceFacts,
  type FenceGap,
} from "../../domain/fence-capability.js";
import type { Grant } from "../../domain/grant.js";
import type { Message } from "./blocks.js";
import { escapeMrkdwn, slackDate } from "./escape.js";

/** "the permission set's 8h session duration", or the 12 h assumed when it is not known. */
function durationWords(facts: FenceFacts, gap: FenceGap): string {
  const duration = formatDuration(gap.sessionDurationMs);
  return sessionDurationKnown(facts, gap.permissionSet)
    ? `the permission set's ${duration} session duration`
    : `its session duration is not known, so the longest AWS allows, ${duration}, is assumed`;
}

function validUntil(facts: FenceFacts, grant: Grant, at: number): string {
  return slackDate(sessionsValidUntil(facts, grant.accountId, grant.permissionSetName, at) ?? at);
}

/** What the requester is told when access starts: until when the sessions they open stay valid. */
export function requesterSessionLine(grant: Grant, facts: FenceFacts): string {
  const gap = fenceGap(facts, grant.accountId, grant.permissionSetName);
  if (gap === null) return "Role sessions you open end with the grant.";
  const now = grant.activatedAt ?? 0;
  const end = grant.expiresAt ?? now;
  return (
    `Role sessions opened now stay valid until ${validUntil(facts, grant, now)} (${durationWords(facts, gap)}); ` +
    `one opened just before the grant ends stays valid until ${validUntil(facts, grant, end)}. ` +
    `jit-slack cannot end them early: ${escapeMrkdwn(fenceGapCause(facts, gap))}.`
  );
}

/** What the approvers' message says of role sessions outliving the grant; nothing where the fence ends them. */
export function approverSessionLine(grant: Grant, facts: FenceFacts): string | undefined {
  const gap = fenceGap(facts, grant.accountId, grant.permissionSetName);
  // Access the user had before the grant stays after it: its sessions are not the grant's.
  if (gap === null || grant.keepsAssignment) return undefined;
  const why = `${durationWords(facts, gap)}; ${escapeMrkdwn(fenceGapCause(facts, gap))}`;
  switch (grant.status) {
    case "pending":
    case "approved":
    case "provisioning":
      return `:warning: Role sessions outlive this grant: one opened just before it ends stays valid ${formatDuration(gap.sessionDurationMs)} longer (${why}).`;
    case "active":
      return `:warning: Role sessions outlive this grant: one opened just before it ends, ${slackDate(grant.expiresAt ?? 0)}, stays valid until ${validUntil(facts, grant, grant.expiresAt ?? 0)} (${why}).`;
    case "revoked":
      if (grant.activatedAt === null || grant.endedAt === null) return undefined;
      return `:warning: Role sessions opened before the grant ended stay valid until ${validUntil(facts, grant, grant.endedAt)} at the latest (${why}).`;
    default:
      return undefined;
  }
}

/** The approvers' message with the session line added as context, where there is one. */
export function withApproverSessionLine(message: Message, grant: Grant, facts: FenceFacts): Message {
  const line = approverSessionLine(grant, facts);
  if (line === undefined) return message;
  const note: KnownBlock = { type: "context", elements: [{ type: "mrkdwn", text: line }] };
  return { text: message.text, blocks: [...message.blocks, note] };
}

/** The requester's message when access starts, with the session line; other messages as they are. */
export function withRequesterSessionLine(message: Message, grant: Grant, facts: FenceFacts): Message {
  if (grant.status !== "active" || grant.keepsAssignment) return message;
  const line = requesterSessionLine(grant, facts);
  const text = `${message.text}\n${line}`;
  return message.blocks.length > 0
    ? { text, blocks: [...message.blocks, { type: "section", text: { type: "mrkdwn", text: line } }] }
    : { text, blocks: [] };
}
