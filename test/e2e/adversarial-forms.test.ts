// Adversarial: signed submissions of every form the bot opens — deny reason, extension, request —
// and of forms it never opened, by people who may not act, about requests that are decided or do
// not exist, with any values. The bot answers 2xx or 4xx, never dies, and changes nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";

import { viewSubmissionBody, type SignedPost } from "../../src/simulators/slack-requests.js";
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
import { hostileText } from "../support/fuzz-text.js";
import { startTestBot, type TestBot } from "../support/in-process-bot.js";
import { people, startWorld, type World } from "../support/world.js";
import { DENY_REASON_CALLBACK_ID, EXTEND_CALLBACK_ID, REQUEST_CALLBACK_ID } from "../../src/slack/ids.js";

const FORMS = [DENY_REASON_CALLBACK_ID, EXTEND_CALLBACK_ID, REQUEST_CALLBACK_ID, "jit_unknown_form"];
const PEOPLE = new Set(Object.values(people).map((person) => person.slackId));

/** Values as the forms ask for them, filled with anything, or not shaped like form values at all. */
const formValues = fc.oneof(
  fc.constant({}),
  fc.record({ reason: fc.record({ reason: fc.record({ type: fc.constant("plain_text_input"), value: hostileText() }) }) }),
  fc.record({
    duration: fc.record({
      duration: fc.record({ type: fc.constant("static_select"), selected_option: fc.record({ value: hostileText(3) }) }),
    }),
  }),
  fc.dictionary(fc.constantFrom("account", "permission_set", "duration", "justification", "ticket", "reason"), fc.jsonValue(), {
    maxKeys: 6,
  }),
);

/** One submission that must not change anything. */
const hostileSubmission = fc.oneof(
  // Any form, about any request, by someone who may not act on it.
  fc.record({
    user: strangers,
    form: fc.constantFrom(...FORMS),
    on: target,
    metadata: fc.constant<string | null>(null),
    values: formValues,
  }),
  // An approver's form about requests already decided, or that never existed.
  fc.record({
    user: approvers,
    form: fc.constantFrom(...FORMS),
    on: decidedTarget,
    metadata: fc.constant<string | null>(null),
    values: formValues,
  }),
  fc.record({ user: approvers, form: fc.constantFrom(...FORMS), on: target, metadata: noSuchRequest, values: formValues }),
);

describe("adversarial: form submissions", () => {
  let world: World;
  let bot: TestBot;
  let targets: Targets;
  let initial: Snapshot;
  const acks: SignedPost[] = [];

  before(async () => {
    world = await startWorld();
    bot = await startTestBot(world, { JIT_RECONCILE_INTERVAL_MINUTES: "0" });
    targets = await seedTargets(bot, world);
    initial = await snapshot(world);
  });
  after(async () => {
    await bot.stop();
    await world.close();
  });

  async function submit(s: {
    user: string;
    form: string;
    on: keyof Targets;
    metadata: string | null;
    values: unknown;
  }): Promise<SignedPost> {
    const body = viewSubmissionBody({
      userId: s.user,
      callbackId: s.form,
      privateMetadata: s.metadata ?? targets[s.on].grantId,
      values: s.values as Record<string, Record<string, unknown>>,
    });
    const response = await bot.driver.post(body);
    acks.push(response);
    return response;
  }

  it("answers every hostile submission with 2xx or 4xx and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileSubmission, { minLength: 1, maxLength: 30 }), async (submissions) => {
        const responses = await Promise.all(submissions.map(submit));
        for (const [i, response] of responses.entries()) {
          assert.ok(response.status < 500, `HTTP ${response.status} for ${JSON.stringify(submissions[i]).slice(0, 300)}`);
        }
        await bot.settled();
        await assertUnchangedSince(world, initial);
      }),
      { numRuns: 6 },
    );
  });

  it("pinged nobody in anything it said, and still serves a normal request", async () => {
    await bot.bot.tick();
    assert.deepEqual(injectedControls(everythingSaid(world, acks), PEOPLE), []);
    assert.equal((await bot.driver.command(people.mallory.slackId, "help")).response.status, 200);
  });
});
