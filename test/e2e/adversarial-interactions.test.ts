// Adversarial: signed clicks on every button, and bodies of every wrong shape, for requests that do
// not exist or are already decided, with unknown actions and by the wrong people. The bot answers
// 2xx or 4xx, never 5xx, never dies, decides nothing and calls no AWS. (Forms: adversarial-forms.)
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";

import { blockActionPayload, postSigned, type SignedPost } from "../../src/simulators/slack-requests.js";
import {
  approvers,
  assertUnchangedSince,
  decidedTarget,
  everythingSaid,
  injectedControls,
  noSuchRequest,
  seedTargets,
  snapshot,
  strangers,
  target,
  type Snapshot,
  type Targets,
} from "../support/adversarial.js";
import { click, statusBecomes, type Requested } from "../support/flows.js";
import { startTestBot, type TestBot } from "../support/in-process-bot.js";
import { people, SIGNING_SECRET, startWorld, type World } from "../support/world.js";
import {
  ACTION_APPROVE,
  ACTION_DENY,
  ACTION_END_NOW,
  ACTION_EXTEND,
  ACTION_EXTENSION_APPROVE,
  ACTION_EXTENSION_DENY,
  ACTION_REVIEW,
} from "../../src/slack/ids.js";

const PEOPLE = new Set(Object.values(people).map((person) => person.slackId));
/** Every button the bot puts in front of anyone, and the selects of its request form. */
const ACTIONS = [
  ACTION_APPROVE,
  ACTION_DENY,
  ACTION_EXTENSION_APPROVE,
  ACTION_EXTENSION_DENY,
  ACTION_REVIEW,
  ACTION_EXTEND,
  ACTION_END_NOW,
  "account",
  "permission_set",
];
const FORM = "application/x-www-form-urlencoded";

type Payload = Record<string, unknown>;
type Corruption = (payload: Payload, grants: Targets) => void;

function firstAction(payload: Payload): Payload {
  return (payload.actions as Payload[])[0] as Payload;
}

/** Each of these makes a click one Slack would never send; none may decide anything. */
const CORRUPTIONS: Record<string, Corruption> = {
  "no user": (p) => delete p.user,
  "user null": (p) => (p.user = null),
  "user a string": (p) => (p.user = people.bob.slackId),
  "user id a number": (p) => ((p.user as Payload).id = 7),
  "user id an array": (p) => ((p.user as Payload).id = [people.bob.slackId]),
  "no user and no team": (p) => {
    delete p.user;
    delete p.team;
  },
  "actions a number": (p) => (p.actions = 5),
  "actions an object": (p) => (p.actions = firstAction(p)),
  "actions a string": (p) => (p.actions = ACTION_APPROVE),
  "actions empty": (p) => (p.actions = []),
  "actions [null]": (p) => (p.actions = [null]),
  "actions nested": (p) => (p.actions = [p.actions]),
  "value a number": (p) => (firstAction(p).value = 12345678),
  "value an array of the pending id": (p, g) => (firstAction(p).value = [g.pending.grantId]),
  "value an object": (p, g) => (firstAction(p).value = { id: g.pending.grantId }),
  "value null": (p) => (firstAction(p).value = null),
  "value true": (p) => (firstAction(p).value = true),
  "no value": (p) => delete firstAction(p).value,
  "action_id a number": (p) => (firstAction(p).action_id = 1),
  "no action_id": (p) => delete firstAction(p).action_id,
  "unknown action_id": (p) => (firstAction(p).action_id = "jit_approve_all"),
  "action_id in capitals": (p) => (firstAction(p).action_id = ACTION_APPROVE.toUpperCase()),
  "unknown type": (p) => (p.type = "block_actionz"),
  "no type": (p) => delete p.type,
  "type view_submission": (p) => (p.type = "view_submission"),
  "type shortcut": (p) => (p.type = "shortcut"),
  "type block_suggestion": (p) => (p.type = "block_suggestion"),
  "team of another workspace": (p) => ((p.team as Payload).id = "T9FOREIGN"),
  "user of another workspace": (p) => ((p.user as Payload).team_id = "T9FOREIGN"),
};

describe("adversarial: interactive payloads", () => {
  let world: World;
  let bot: TestBot;
  let grants: Targets;
  let initial: Snapshot;
  const acks: SignedPost[] = [];

  before(async () => {
    world = await startWorld();
    bot = await startTestBot(world, { JIT_RECONCILE_INTERVAL_MINUTES: "0" });
    grants = await seedTargets(bot, world);
    initial = await snapshot(world);
  });
  after(async () => {
    await bot.stop();
    await world.close();
  });

  function clickPayload(userId: string, actionId: string, value: string, on: Requested): Payload {
    return blockActionPayload({
      userId,
      actionId,
      value,
      channelId: on.message.channel,
      messageTs: on.message.ts,
      responseUrl: world.slack.responseUrl(undefined, on.message),
    });
  }

  async function send(payload: Payload): Promise<SignedPost> {
    const response = await bot.driver.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    acks.push(response);
    return response;
  }

  /** Waits out work a wrongly accepted click would have started after its ack, then compares. */
  async function assertNothingChanged(): Promise<void> {
    await bot.settled();
    await assertUnchangedSince(world, initial);
  }
  const decision = fc.constantFrom(ACTION_APPROVE, ACTION_DENY);
  const anyAction = fc.constantFrom(...ACTIONS);
  const pendingMostly = fc.constantFrom<keyof Targets>("pending", "pending", "pending", "denied", "active");

  /** One click that must not decide anything, and the request it is shown on. */
  const hostileClick = fc.oneof(
    // Any shape Slack would never send, by an approver, even for the pending request.
    fc.record({
      user: approvers,
      action: decision,
      on: pendingMostly,
      value: fc.constant<string | null>(null),
      corruption: fc.constantFrom(...Object.keys(CORRUPTIONS)),
    }),
    // Well-formed, any button, by someone who may not act on the pending request.
    fc.record({
      user: strangers,
      action: anyAction,
      on: fc.constant<keyof Targets>("pending"),
      value: fc.constant<string | null>(null),
      corruption: fc.constant(null),
    }),
    // Well-formed, any button, by an approver, on requests already decided or that never existed.
    fc.record({
      user: approvers,
      action: anyAction,
      on: decidedTarget,
      value: fc.constant<string | null>(null),
      corruption: fc.constant(null),
    }),
    fc.record({ user: approvers, action: anyAction, on: target, value: noSuchRequest, corruption: fc.constant(null) }),
  );

  it("decides nothing on any corruption of an approver's click on the pending request", async () => {
    const responses = await Promise.all(
      Object.entries(CORRUPTIONS).map(async ([name, corrupt]) => {
        const payload = clickPayload(people.bob.slackId, ACTION_APPROVE, grants.pending.grantId, grants.pending);
        corrupt(payload, grants);
        return [name, (await send(payload)).status] as const;
      }),
    );
    assert.deepEqual(
      responses.filter(([, status]) => status >= 500),
      [],
    );
    await assertNothingChanged();
  });

  it("answers every hostile click with 2xx or 4xx and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileClick, { minLength: 1, maxLength: 25 }), async (clicks) => {
        const responses = await Promise.all(
          clicks.map((c) => {
            const on = grants[c.on];
            const payload = clickPayload(c.user, c.action, c.value ?? on.grantId, on);
            if (c.corruption) CORRUPTIONS[c.corruption]?.(payload, grants);
            return send(payload);
          }),
        );
        for (const [i, response] of responses.entries()) {
          assert.ok(response.status < 500, `HTTP ${response.status} for ${JSON.stringify(clicks[i])}`);
        }
        await assertNothingChanged();
      }),
      { numRuns: 5 },
    );
  });

  const malformed: Array<[string, string, string, number]> = [
    ["payload=null (Bolt crashed the whole process on it)", FORM, "payload=null", 400],
    ["a JSON body of null (Bolt crashed the whole process on it)", "application/json", "null", 400],
    ["payload=5", FORM, "payload=5", 400],
    ["payload=[]", FORM, "payload=%5B%5D", 400],
    ["payload that is not JSON", FORM, "payload=%7Bnot", 400],
    ["the payload field twice", FORM, "payload=%7B%7D&payload=%7B%7D", 400],
    [
      "an event_callback whose event is null (Bolt answered 500)",
      "application/json",
      JSON.stringify({ type: "event_callback", event: null }),
      400,
    ],
    [
      "a slash command without text (the command parser threw)",
      FORM,
      "command=%2Fjit&user_id=U0ALICE&team_id=T00000001&response_url=http%3A%2F%2F127.0.0.1%3A9%2F",
      400,
    ],
    [
      "a slash command with text twice",
      FORM,
      "command=%2Fjit&text=help&text=x&user_id=U0ALICE&team_id=T00000001&response_url=http%3A%2F%2F127.0.0.1%3A9%2F",
      400,
    ],
    [
      "a slash command with user_id twice",
      FORM,
      "command=%2Fjit&text=help&user_id=U0ALICE&user_id=U0BOB&team_id=T00000001&response_url=http%3A%2F%2F127.0.0.1%3A9%2F",
      400,
    ],
  ];
  for (const [what, contentType, body, status] of malformed) {
    it(`answers ${what} with ${status} and stays up`, async () => {
      const response = await postSigned(bot.driver.url, body, { secret: SIGNING_SECRET, headers: { "content-type": contentType } });
      assert.equal(response.status, status);
      assert.equal((await bot.driver.command(people.mallory.slackId, "help")).response.status, 200, "still answering");
      await assertNothingChanged();
    });
  }

  for (const [what, corruption, status] of [
    ["without user (Bolt answered 500)", "no user", 400],
    ["whose actions is a number (Bolt answered 500)", "actions a number", 400],
    ["whose value is an array holding a pending request's id (it approved the request)", "value an array of the pending id", 400],
    ["whose value is a number (the listener threw)", "value a number", 400],
  ] as const) {
    it(`answers an approver's click ${what} with ${status}`, async () => {
      const payload = clickPayload(people.bob.slackId, ACTION_APPROVE, grants.pending.grantId, grants.pending);
      CORRUPTIONS[corruption]?.(payload, grants);
      assert.equal((await send(payload)).status, status);
      await assertNothingChanged();
    });
  }

  it("says what happened to a click on a request that is already decided or never existed", async () => {
    for (const [value, on, expected] of [
      [grants.denied.grantId, grants.denied, /already been denied/],
      [grants.active.grantId, grants.active, /already been approved/],
      ["jit-zzzzzzzz", grants.pending, /no request jit-zzzzzzzz/],
      ["<!channel>", grants.pending, /does not belong to any/],
    ] as const) {
      const delivery = await bot.driver.click(people.bob.slackId, ACTION_APPROVE, value, on.message, { unchecked: true });
      assert.equal(delivery.response.status, 200);
      const reply = await delivery.waitForResponse();
      assert.equal(reply.body.response_type, "ephemeral");
      assert.equal(reply.body.replace_original, false);
      assert.match(String(reply.body.text), expected);
    }
    await assertNothingChanged();
  });

  it("pinged nobody in anything it said, and still lets an approver approve", async () => {
    await bot.bot.tick();
    assert.deepEqual(injectedControls(everythingSaid(world, acks), PEOPLE), []);
    await click(bot, people.bob.slackId, ACTION_APPROVE, grants.pending);
    await statusBecomes(bot, grants.pending.grantId, "active");
  });
});
