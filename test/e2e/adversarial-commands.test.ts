// Adversarial: whatever anyone types after /jit, the bot answers, stores at most one pending
// request, touches no AWS, and pings nobody.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { visibleLength } from "../../src/domain/justification.js";
import { messageText } from "../../src/simulators/fake-slack.js";
import { everythingSaid, injectedControls, snapshot, type Snapshot } from "../support/adversarial.js";
import { eventually } from "../support/flows.js";
import { collapsed, hostileText, hostileUnicode, huge, MRKDWN_CONTROLS, quotedBack, unescaped } from "../support/fuzz-text.js";
import { startTestBot, type TestBot } from "../support/in-process-bot.js";
import { APPROVALS, people, startWorld, type World } from "../support/world.js";

const PEOPLE = new Set([...Object.values(people).map((person) => person.slackId)]);
/** Slack shows at most this much of a message; a longer reply is refused by Slack and never seen. */
const SLACK_TEXT_LIMIT = 40_000;

describe("adversarial: slash command text", () => {
  let world: World;
  let bot: TestBot;

  before(async () => {
    world = await startWorld();
    bot = await startTestBot(world, { JIT_RECONCILE_INTERVAL_MINUTES: "0" });
  });
  after(async () => {
    await bot.stop();
    await world.close();
  });

  /** Sends `/jit <text>` and returns the HTTP status, the reply the person saw and the grants it added. */
  async function type(userId: string, text: string): Promise<{ status: number; reply: string; added: Snapshot["grants"] }> {
    const before = await snapshot(world);
    const delivery = await bot.driver.command(userId, text);
    let reply = "";
    if (delivery.response.status === 200) {
      reply =
        delivery.response.body !== ""
          ? messageText(delivery.response.json() as { text?: unknown })
          : await world.slack.waitFor(
              () => {
                const response = delivery.responses()[0];
                if (response) return messageText(response.body);
                // A form opened instead of a message is an answer too.
                const opened = world.slack.calls.find(
                  (call) => call.method === "views.open" && call.args.trigger_id === delivery.triggerId,
                );
                return opened && messageText(opened.args.view as { blocks?: unknown });
              },
              5000,
              `an answer to /jit ${text.slice(0, 80)}`,
            );
    }
    const known = new Set(before.grants.map((grant) => grant.id));
    return { status: delivery.response.status, reply, added: (await snapshot(world)).grants.filter((grant) => !known.has(grant.id)) };
  }

  async function assertNothingInjected(): Promise<void> {
    await bot.bot.tick();
    assert.deepEqual(injectedControls(everythingSaid(world), PEOPLE), []);
  }

  it("answers any text with a reply, records at most one pending request, and calls no AWS", async () => {
    const awsCalls = world.aws.calls.length;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(people.alice.slackId, people.mallory.slackId, people.erin.slackId),
        fc.oneof(
          hostileText(),
          hostileText().map((rest) => `request ${rest}`),
          hostileText().map((rest) => `request prod ReadOnlyAccess 1h ${rest}`),
          fc
            .tuple(fc.constantFrom("request", "REQUEST", "help", "list", "list --review", "revoke", "end", "extend", ""), hostileText(4))
            .map(([verb, rest]) => `${verb} ${rest}`),
        ),
        async (userId, text) => {
          const { status, reply, added } = await type(userId, text);
          assert.equal(status, 200);
          assert.notEqual(reply, "", "every command gets an answer");
          assert.ok(added.length <= 1, `one command made ${added.length} requests`);
          for (const grant of added) {
            assert.equal(grant.status, "pending");
            assert.ok(reply.includes(grant.id), `the reply names the new request ${grant.id}: ${reply}`);
          }
          assert.equal(world.aws.calls.length, awsCalls, "a request alone never calls AWS");
        },
      ),
      { numRuns: 80 },
    );
    await assertNothingInjected();
  });

  it("records any justification exactly as typed (format characters dropped, whitespace collapsed) and shows it literally to the approvers", async () => {
    await fc.assert(
      fc.asyncProperty(
        // Escaping can grow text fivefold (& → &amp;); 500 characters stay inside a Block Kit section.
        hostileUnicode(40).filter((text) => visibleLength(collapsed(text)) > 0 && collapsed(text).length <= 500),
        async (justification) => {
          const { reply, added } = await type(people.alice.slackId, `request prod ReadOnlyAccess 1h ${justification}`);
          assert.equal(added.length, 1, `expected one request, got the reply: ${reply}`);
          const grant = await bot.bot.deps.store.get(added[0]?.id ?? "");
          assert.equal(grant?.status, "pending");
          assert.equal(grant?.justification, collapsed(justification));
          const posted = world.slack.messagesIn(APPROVALS).find((message) => messageText(message).includes(grant?.id ?? "?"));
          assert.ok(posted, "the request was posted to the approvers");
          assert.ok(unescaped(messageText(posted)).includes(quotedBack(justification)), "the approvers see the justification as typed");
          assert.deepEqual(injectedControls([messageText(posted)], PEOPLE), []);
        },
      ),
      { numRuns: 40 },
    );
    await assertNothingInjected();
  });

  it("stores control characters in a justification (NUL, which PostgreSQL cannot hold, included) as spaces", async () => {
    const { reply, added } = await type(people.alice.slackId, "request prod ReadOnlyAccess 1h before\u0000after\u0007the NUL");
    assert.equal(added.length, 1, `expected one request, got the reply: ${reply}`);
    assert.equal((await bot.bot.deps.store.get(added[0]?.id ?? ""))?.justification, "before after the NUL");
  });

  const hugeInputs: Array<[string, string]> = [
    ["a 100 KB justification", `request prod ReadOnlyAccess 1h ${huge("because ")}`],
    ["a 100 KB justification of broadcasts", `request prod ReadOnlyAccess 1h ${huge("<!channel> ")}`],
    ["a 100 KB word instead of a command", huge("x")],
    ["100 KB of mentions", huge("<!here> <@U9VICTIM1> ")],
  ];
  for (const [what, text] of hugeInputs) {
    it(`refuses ${what} with a short reply, storing nothing`, async () => {
      const { status, reply, added } = await type(people.alice.slackId, text);
      assert.equal(status, 200);
      assert.ok(reply.length > 0 && reply.length <= 1000, `reply of ${reply.length} characters`);
      assert.deepEqual(added, []);
      await assertNothingInjected();
    });
  }

  const echoedHugeInputs: Array<[string, string]> = [
    ["account", `request ${huge("<!channel>")} ReadOnlyAccess 1h reason`],
    ["permission set", `request prod ${huge("<!channel>")} 1h reason`],
    ["duration", `request prod ReadOnlyAccess ${huge("<!channel>")} reason`],
  ];
  for (const [where, text] of echoedHugeInputs) {
    it(`answers a 100 KB ${where} with a reply Slack can show, storing nothing`, async () => {
      const { status, reply, added } = await type(people.alice.slackId, text);
      assert.equal(status, 200);
      assert.deepEqual(added, []);
      assert.ok(reply.length <= SLACK_TEXT_LIMIT, `reply of ${reply.length} characters`);
      await assertNothingInjected();
    });
  }

  it("posts a request whose 1000-character justification is all mrkdwn control characters", async () => {
    // Escaping 1000 × "&" gives 5000 characters, over Block Kit's 3000 per section.
    const { reply, added } = await type(people.alice.slackId, `request prod ReadOnlyAccess 1h ${"&".repeat(1000)}`);
    assert.equal(added.length, 1, reply);
    assert.equal((await bot.bot.deps.store.get(added[0]?.id ?? ""))?.status, "pending", reply);
  });

  it("echoes each control sequence back escaped when it is not an account", async () => {
    for (const control of MRKDWN_CONTROLS.filter((piece) => piece.trim() !== "")) {
      const { reply, added } = await type(people.alice.slackId, `request x${control}x ReadOnlyAccess 1h reason`);
      assert.deepEqual(added, []);
      assert.deepEqual(injectedControls([reply], PEOPLE), [], `reply to ${JSON.stringify(control)}`);
    }
  });

  it("does not tell a requester their request failed when only Slack's delivery of the confirmation did", async () => {
    world.slack.failNext("response_url", { status: 429, retryAfterSeconds: 0 });
    const before = await snapshot(world);
    const delivery = await bot.driver.command(people.alice.slackId, "request prod ReadOnlyAccess 1h confirmation lost");
    assert.equal(delivery.response.status, 200);
    await eventually(async () => (await snapshot(world)).grants.length > before.grants.length, 5000, "the request to be stored");
    await bot.settled();
    const said = delivery.responses().map((response) => messageText(response.body));
    assert.deepEqual(
      said.filter((text) => /went wrong|failed/i.test(text)),
      [],
      "the request did not fail",
    );
    await world.slack.waitFor(
      () =>
        world.slack.messagesIn(world.slack.dmChannelOf(people.alice.slackId)).some((m) => /was sent to the approvers/.test(messageText(m))),
      5000,
      "the confirmation by direct message instead",
    );
  });

  it("still serves an ordinary request after all of that", async () => {
    const { reply, added } = await type(people.alice.slackId, "request prod ReadOnlyAccess 1h after the storm");
    assert.equal(added.length, 1, reply);
    assert.match(reply, /was sent to the approvers/);
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);
  });
});
