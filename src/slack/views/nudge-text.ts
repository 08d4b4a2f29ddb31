// The words of escalations and reminders: the line the approval message gains once a request is
// escalated, the reminder posted in its thread, and the requester's notice. Silent approvers are
// never named: being left alone is what they asked for.
import type { Grant } from "../../domain/grant.js";
import { describeRef, type PrincipalRef } from "../../domain/people.js";
import type { Escalation, Rule } from "../../domain/policy.js";
import type { Message } from "./blocks.js";
import { summary } from "./blocks.js";
import type { Account } from "../../domain/policy.js";
import { escapeMrkdwn, slackDate } from "./escape.js";

// Mentions and group mentions from the policy are meant to render; emails are shown as text.
export function approverRefText(refs: readonly PrincipalRef[]): string {
  return refs
    .map(describeRef)
    .map((ref) => (ref.startsWith("<@") || ref.startsWith("<!subteam^") ? ref : escapeMrkdwn(ref)))
    .join(", ");
}

function escalatedTo(escalation: Escalation): string {
  return `${approverRefText(escalation.approvers)}${escalation.channel ? ` in <#${escalation.channel}>` : ""}`;
}

/** "escalated to <@U…> at <date>", for the approval message, once the request has been escalated. */
export function escalationLine(rule: Rule | undefined, escalatedAt: number | null): string | undefined {
  if (escalatedAt === null) return undefined;
  const to = rule?.escalation ? ` to ${escalatedTo(rule.escalation)}` : "";
  return `:arrow_double_up: Nobody decided in time: escalated${to} at ${slackDate(escalatedAt)}`;
}

/** The request's (or multi-target request's) id, as its messages name it. */
function requestId(anchor: Grant): string {
  return anchor.bundleId ?? anchor.id;
}

/** Posted in the approval message's thread while the request waits: who is asked, and when it expires. */
export function reminderMessage(anchor: Grant, rule: Rule, escalated: boolean): Message {
  const asked = [...rule.approvers, ...(escalated && rule.escalation ? rule.escalation.approvers : [])];
  const text =
    `:bell: Reminder: request ${requestId(anchor)} is still waiting for a decision (asked ${slackDate(anchor.createdAt)}). ` +
    `${approverRefText(asked)}: please approve or deny it above; it expires ${slackDate(anchor.createdAt + rule.approvalTimeoutMs)} if nobody decides.`;
  return { text, blocks: [] };
}

/** The requester hears that their request went further, and to whom. */
export function requesterEscalatedMessage(anchor: Grant, rule: Rule, accounts: readonly Account[]): Message {
  const what = anchor.bundleId ? `request ${anchor.bundleId}` : `request ${anchor.id} (${summary(anchor, accounts)})`;
  const to = rule.escalation ? ` to ${escalatedTo(rule.escalation)}` : "";
  const text =
    `:arrow_double_up: Nobody has decided on your ${what} yet, so it was escalated${to}. ` +
    `It expires ${slackDate(anchor.createdAt + rule.approvalTimeoutMs)} if nobody decides.`;
  return { text, blocks: [] };
}
