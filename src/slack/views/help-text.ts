// `/jit help [page]`: the commands, and what this person may request, grouped by account, page by page.
import type { KnownBlock, SectionBlock } from "@slack/types";
import type { EligibleTargets } from "../../domain/eligible-targets.js";
import type { Eligibility, Person } from "../../domain/policy.js";
import type { Message } from "./blocks.js";
import { HELP_USAGE, REQUEST_GROUP_USAGE, REQUEST_USAGE, REVOKE_ALL_USAGE } from "./command-usage.js";
import { escapeMrkdwn } from "./escape.js";
import { assertPage, counted, pageFooter } from "./pages.js";
import { describeRule, escapedExcerpt, LIMITS, truncate } from "./parts.js";

function commands(isAdmin: boolean): string {
  return [
    "*jit-slack* gives you AWS access for a limited time, with approval.",
    "• `/jit`: open the request form",
    `• \`${REQUEST_USAGE}\`: ask in one line, e.g. \`/jit request prod ReadOnlyAccess 2h --ticket INC-123 checking alarms\``,
    `• \`${REQUEST_GROUP_USAGE}\`: ask for membership of an IAM Identity Center group a rule offers`,
    "• Several targets at once, where the policy allows: `/jit request prod,staging ReadOnlyAccess,Billing 2h …` asks for each account with each permission set, with one justification",
    "• `/jit list [page]`: your pending and active access",
    ...(isAdmin ? ["• `/jit list --review [page]`: break-glass access waiting for review"] : []),
    `• \`/jit revoke <id>\`: end access early${isAdmin ? " (anyone's, as an admin)" : ""}`,
    ...(isAdmin
      ? [
          `• \`${REVOKE_ALL_USAGE}\`: incident switch, end every active grant (or those on one account or of one permission set) after you confirm`,
        ]
      : []),
    "• `/jit extend <id> <duration>`: ask for more time",
    `• \`${HELP_USAGE}\`: this message; what you can request, page by page`,
    "Durations look like `30m`, `2h`, `1h30m` or `1d`.",
  ].join("\n");
}

const COMMAND = "/jit help";
const HEADING = "*What you can request*";
const CONTINUED = " _(continued)_";
/**
 * Targets on one page: a page is a slice of the eligible targets, so any page is found without
 * listing those before it. With each line cut to ITEM_LENGTH and each account heading under ~110
 * characters, a page stays below ~10,000 characters of blocks, the commands included, under the
 * ~13,000 at which chat.postMessage answers msg_blocks_too_long
 * (https://github.com/slackapi/bolt-js/issues/2509); sections are packed under Slack's 3,000.
 */
export const TARGETS_PER_PAGE = 30;
const ITEM_LENGTH = 200;

interface Chunk {
  readonly lines: string[];
  size: number;
}

/** The account heading and one line per permission set with its rule's limits, account by account. */
function byAccount(eligible: readonly Eligibility[], requester: Person): Array<{ heading: string; items: string[] }> {
  const groups = new Map<string, { heading: string; items: string[] }>();
  for (const target of eligible) {
    const group = groups.get(target.account.id) ?? {
      heading: `*${escapedExcerpt(target.account.name, 80)}* (${target.account.id})`,
      items: [],
    };
    group.items.push(truncate(`• \`${escapeMrkdwn(target.permissionSet)}\`: ${describeRule(target.rule, requester)}`, ITEM_LENGTH));
    groups.set(target.account.id, group);
  }
  return [...groups.values()];
}

/**
 * Lines packed into sections that fit Slack's limit; an account cut between two sections, or
 * begun on an earlier page (`continuing` its id), repeats its heading marked as continued.
 */
function chunksOf(eligible: readonly Eligibility[], requester: Person, continuing: string | undefined): Chunk[] {
  const chunks: Chunk[] = [];
  let chunk: Chunk = { lines: [], size: 0 };
  const add = (line: string) => {
    chunk.lines.push(line);
    chunk.size += line.length + 1;
  };
  for (const [g, { heading, items }] of byAccount(eligible, requester).entries()) {
    let headed = false;
    const first = g === 0 && continuing === eligible[0]?.account.id ? -1 : 0;
    items.forEach((item, i) => {
      const needed = item.length + 1 + (headed ? 0 : heading.length + CONTINUED.length + 1);
      if (chunk.lines.length > 0 && chunk.size + needed > LIMITS.sectionText) {
        chunks.push(chunk);
        chunk = { lines: [], size: 0 };
        headed = false;
      }
      if (!headed) add(i === first ? heading : `${heading}${CONTINUED}`);
      headed = true;
      add(item);
    });
  }
  if (chunk.lines.length > 0) chunks.push(chunk);
  return chunks;
}

const section = (text: string): SectionBlock => ({ type: "section", text: { type: "mrkdwn", text } });

/** Page `page` (from 1) of `/jit help`; a page past the last is an InvalidInput naming the last. */
export function helpText(eligible: EligibleTargets, isAdmin: boolean, requester: Person, page = 1): Message {
  const pages = Math.max(1, Math.ceil(eligible.count / TARGETS_PER_PAGE));
  assertPage(page, pages, COMMAND);
  const start = (page - 1) * TARGETS_PER_PAGE;
  const before = start > 0 ? eligible.slice(start - 1, start)[0] : undefined;
  const chunks = chunksOf(eligible.slice(start, start + TARGETS_PER_PAGE), requester, before?.account.id);
  const where = pages > 1 ? ` (page ${page} of ${pages})` : "";
  const targets =
    eligible.count === 0
      ? [
          section(
            `${HEADING}\nNothing yet: the policy does not list you for any account. The team running jit-slack can add you to a rule.`,
          ),
        ]
      : [section(`${HEADING}${where}`), ...chunks.map((chunk) => section(chunk.lines.join("\n")))];
  const footer = pageFooter(page, pages, counted(eligible.count, "target"), COMMAND);
  if (page > 1) {
    return { text: `What you can request, page ${page} of ${pages}`, blocks: [...targets, ...footer] };
  }
  // The usage lines hold literal <placeholders>: escaped, or Slack would read them as links.
  const text = escapeMrkdwn(commands(isAdmin));
  const blocks: KnownBlock[] = [section(text), { type: "divider" }, ...targets, ...footer];
  return { text, blocks };
}
