// What the adversarial suite checks after every attack: everything the bot said in Slack pings
// nobody and links nowhere it was told to, and nothing changed that should not have.
import assert from "node:assert/strict";
import fc from "fast-check";
import { messageText } from "../../src/simulators/fake-slack.js";
import type { SignedPost } from "../../src/simulators/slack-requests.js";
import { ALL_STATUSES, click, deny, request, statusBecomes, type Requested } from "./flows.js";
import { hostileText, huge } from "./fuzz-text.js";
import type { TestBot } from "./in-process-bot.js";
import { people, type World } from "./world.js";
import { withWorldStore } from "./world-store.js";
import { ACTION_APPROVE } from "../../src/slack/ids.js";

/** Slack methods whose text reaches people. */
const SPEAKING_METHODS = new Set(["chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", "views.update", "views.push"]);

/**
 * Control sequences only user input could have put there: broadcasts, user-group and channel
 * references, and links. The bot's own mrkdwn is `<@id>` of the people involved and `<!date^…>`.
 */
const INJECTED = /<!(?:channel|here|everyone|subteam)|<#[A-Z0-9]|<(?:https?|mailto|slack):/i;
const MENTION = /<@([A-Z0-9]+)(?:\|[^>]*)?>/gi;

/** Every text the bot has shown anyone: messages it posted or updated, and response_url replies. */
export function everythingSaid(world: World, acks: readonly SignedPost[] = []): string[] {
  const said: string[] = [];
  for (const call of world.slack.calls.filter((candidate) => SPEAKING_METHODS.has(candidate.method))) {
    said.push(messageText(call.args), messageText(call.args.view as { blocks?: unknown } | undefined));
  }
  said.push(...world.slack.responses.map((response) => messageText(response.body)));
  for (const ack of acks) {
    if (ack.body.startsWith("{")) said.push(messageText(ack.json() as { text?: unknown; blocks?: unknown }));
    else if (ack.body !== "") said.push(ack.body);
  }
  return said;
}

/** The unescaped control sequences in `texts`; mentions are fine only of `people` (the actors themselves). */
export function injectedControls(texts: readonly string[], people: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const text of texts) {
    const injected = INJECTED.exec(text);
    if (injected) found.push(`${injected[0]}… in ${JSON.stringify(text.slice(Math.max(0, injected.index - 40), injected.index + 60))}`);
    for (const mention of text.matchAll(MENTION)) {
      if (!people.has(mention[1] ?? "")) found.push(`${mention[0]} in ${JSON.stringify(text.slice(0, 120))}`);
    }
  }
  return found;
}

export interface Snapshot {
  readonly grants: ReadonlyArray<{ id: string; status: string; decidedBy: string | null; expiresAt: number | null }>;
  /**
   * The audit chain's newest record other than a `refused` one: any step recorded moves it, while
   * a refused attempt is audited as `refused`, which is what should happen.
   */
  readonly lastAuditSeq: number;
  readonly awsCalls: number;
  readonly assignments: number;
}

/** Grants, audit trail length and AWS activity, for "nothing changed" comparisons. */
export async function snapshot(world: World): Promise<Snapshot> {
  return withWorldStore(world, async (opened) => {
    const grants = (await opened.store.listByStatus(ALL_STATUSES))
      .map(({ id, status, decidedBy, expiresAt }) => ({ id, status, decidedBy, expiresAt }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let lastAuditSeq = 0;
    for await (const record of opened.audit.records()) if (record.action !== "refused") lastAuditSeq = record.seq;
    return { grants, lastAuditSeq, awsCalls: world.aws.calls.length, assignments: world.aws.assignments().length };
  });
}

/** Nothing stored, decided, audited or asked of AWS since `initial`. */
export async function assertUnchangedSince(world: World, initial: Snapshot): Promise<void> {
  const now = await snapshot(world);
  assert.deepEqual(now.grants, initial.grants, "no request changed state");
  assert.equal(now.lastAuditSeq, initial.lastAuditSeq, "nothing was audited");
  assert.equal(now.awsCalls, initial.awsCalls, "AWS was not called");
  assert.equal(now.assignments, initial.assignments);
}

/** Requests in each state an attacker can aim at. */
export interface Targets {
  readonly pending: Requested;
  readonly denied: Requested;
  readonly active: Requested;
}

export async function seedTargets(bot: TestBot, world: World): Promise<Targets> {
  const pending = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h fuzz target");
  const denied = await request(bot, world, people.carol.slackId, "prod ReadOnlyAccess 1h to be denied");
  await deny(bot, world, people.bob.slackId, denied);
  await statusBecomes(bot, denied.grantId, "denied");
  const active = await request(bot, world, people.alice.slackId, "sandbox AdministratorAccess 1h to be approved");
  await click(bot, people.bob.slackId, ACTION_APPROVE, active);
  await statusBecomes(bot, active.grantId, "active");
  await bot.bot.tick();
  return { pending, denied, active };
}

export const target = fc.constantFrom<keyof Targets>("pending", "denied", "active");
export const decidedTarget = fc.constantFrom<keyof Targets>("denied", "active");
/** Not the requester: End now on one's own pending request rightly withdraws it. */
export const strangers = fc.oneof(fc.constantFrom(people.mallory.slackId, people.erin.slackId), fc.stringMatching(/^[UW][A-Z0-9]{8}$/));
export const approvers = fc.constantFrom(people.bob.slackId, people.dave.slackId);
/** Ids of nothing, and things that are not ids. */
export const noSuchRequest = fc.oneof(
  fc.stringMatching(/^jit-[a-z0-9]{8}$/),
  fc.stringMatching(/^ext-[a-z0-9]{8}$/),
  fc.constantFrom("", "jit-", "JIT-AAAAAAAA", "jit-aaaaaaaa ", huge("jit-aaaaaaaa", 10_000)),
  hostileText(),
);
