// How a group grant is worded: the group, and what its membership gives (the group's account
// assignments when it was requested), collapsed past a few lines so the message stays readable.
import type { Grant } from "../../domain/grant.js";
import type { Account } from "../../domain/policy.js";
import { escapeMrkdwn } from "./escape.js";
import { accountLabel, escapedExcerpt } from "./parts.js";

/** Assignments listed one per line; the rest are counted. */
export const GROUP_ACCESS_SHOWN = 10;

/** "group *Name*" for a group grant, else "*Set* on account (id)" in mrkdwn. */
export function targetLabel(grant: Grant, accounts: readonly Account[]): string {
  if (grant.groupId !== null) return `group *${escapedExcerpt(grant.groupName ?? grant.groupId, 100)}*`;
  return `*${escapeMrkdwn(grant.permissionSetName)}* on ${accountLabel(grant.accountId, accounts)}`;
}

/** The same without mrkdwn, for notification text. */
export function targetText(grant: Grant): string {
  if (grant.groupId !== null) return `group ${grant.groupName ?? grant.groupId}`;
  return `${grant.permissionSetName} on ${grant.accountId}`;
}

/** What membership of the group gives, one account assignment a line, collapsed past GROUP_ACCESS_SHOWN. */
export function groupAccessText(grant: Grant, accounts: readonly Account[]): string {
  const access = grant.groupAccess;
  if (access.length === 0) return "*Membership gives*\nno account assignments (the group has none)";
  const lines = access
    .slice(0, GROUP_ACCESS_SHOWN)
    .map((pair) => `• ${escapedExcerpt(pair.permissionSetName, 100)} on ${accountLabel(pair.accountId, accounts)}`);
  const more = access.length - GROUP_ACCESS_SHOWN;
  if (more > 0) lines.push(`…and ${more} more assignment${more === 1 ? "" : "s"}`);
  return `*Membership gives* (${access.length} assignment${access.length === 1 ? "" : "s"})\n${lines.join("\n")}`;
}
