// `/jit help`: the commands, and what this person may request, grouped by account.
import type { KnownBlock } from "@slack/types";
import type { Eligibility, Person } from "../../domain/policy.js";
import type { Message } from "./blocks.js";
import { REQUEST_USAGE, REVOKE_ALL_USAGE } from "./command-usage.js";
import { escapeMrkdwn } from "./escape.js";
import { describeRule, escapedExcerpt, LIMITS } from "./parts.js";

function commands(isAdmin: boolean): string {
  return [
    "*jit-slack* gives you AWS access for a limited time, with approval.",
    "• `/jit`: open the request form",
    `• \`${REQUEST_USAGE}\`: ask in one line, e.g. \`/jit request prod ReadOnlyAccess 2h --ticket INC-123 checking alarms\``,
    "• `/jit list`: your pending and active access",
    ...(isAdmin ? ["• `/jit list --review`: break-glass access waiting for review"] : []),
    `• \`/jit revoke <id>\`: end access early${isAdmin ? " (anyone's, as an admin)" : ""}`,
    ...(isAdmin
      ? [
          `• \`${REVOKE_ALL_USAGE}\`: incident switch, end every active grant (or those on one account or of one permission set) after you confirm`,
        ]
      : []),
    "• `/jit extend <id> <duration>`: ask for more time",
    "• `/jit help`: this message",
    "Durations look like `30m`, `2h`, `1h30m` or `1d`.",
  ].join("\n");
}

const HEADING = "*What you can request*";
// Room kept at the end of the section for the line saying how many were left out.
const TAIL_ROOM = 120;

/** Lines per account: the account, then one per permission set with its rule's limits. */
function eligibilityLines(eligible: readonly Eligibility[], requester: Person): Array<{ text: string; targets: number }> {
  const byAccount = new Map<string, Eligibility[]>();
  for (const target of eligible) byAccount.set(target.account.id, [...(byAccount.get(target.account.id) ?? []), target]);
  return [...byAccount.values()].flatMap((targets) => {
    const account = targets[0]?.account;
    const heading = account ? [{ text: `*${escapedExcerpt(account.name, 80)}* (${account.id})`, targets: 0 }] : [];
    return [
      ...heading,
      ...targets.map((target) => ({
        text: `• \`${escapeMrkdwn(target.permissionSet)}\`: ${describeRule(target.rule, requester)}`,
        targets: 1,
      })),
    ];
  });
}

function eligibilityText(eligible: readonly Eligibility[], requester: Person): string {
  if (eligible.length === 0) {
    return `${HEADING}\nNothing yet: the policy does not list you for any account. The team running jit-slack can add you to a rule.`;
  }
  let text = HEADING;
  let shown = 0;
  for (const line of eligibilityLines(eligible, requester)) {
    if (text.length + 1 + line.text.length > LIMITS.sectionText - TAIL_ROOM) break;
    text += `\n${line.text}`;
    shown += line.targets;
  }
  const hidden = eligible.length - shown;
  return hidden > 0 ? `${text}\n_…and ${hidden} more. Open the form with \`/jit\` to pick from all of them._` : text;
}

export function helpText(eligible: readonly Eligibility[], isAdmin: boolean, requester: Person): Message {
  // The usage lines hold literal <placeholders>: escaped, or Slack would read them as links.
  const text = escapeMrkdwn(commands(isAdmin));
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text } },
    { type: "divider" },
    { type: "section", text: { type: "mrkdwn", text: eligibilityText(eligible, requester) } },
  ];
  return { text, blocks };
}
