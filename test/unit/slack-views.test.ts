// The Slack views under src/slack/views: what Slack would accept, what they offer, and what they read back.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ModalView, PlainTextOption } from "@slack/types";
import { parseDuration } from "../../src/domain/duration.js";
import { Conflict, InvalidInput, NotFound, PolicyDenied, ProviderError } from "../../src/domain/errors.js";
import type { GrantStatus } from "../../src/domain/grant.js";
import type { Account, Eligibility, Person, Rule } from "../../src/domain/policy.js";
import type { Message } from "../../src/slack/views/blocks.js";
import { breakGlassNotice } from "../../src/slack/views/break-glass-notice.js";
import { denyReasonModal, readDenyReason } from "../../src/slack/views/deny-reason-modal.js";
import { durationChoices, durationOptions } from "../../src/slack/views/duration-options.js";
import { expiryWarning } from "../../src/slack/views/expiry-warning.js";
import { extendModal, readExtendDuration } from "../../src/slack/views/extend-modal.js";
import { fieldErrors } from "../../src/slack/views/field-errors.js";
import { grantList, reviewList } from "../../src/slack/views/grant-list.js";
import { listedTargets } from "../../src/domain/eligible-targets.js";
import { helpText } from "../../src/slack/views/help-text.js";
import { requestModal } from "../../src/slack/views/request-modal.js";
import { readRequestSubmission, requireRequestFields } from "../../src/slack/views/request-submission.js";
import { messageContentProblem, viewProblems } from "../../src/simulators/fake-slack-validation.js";
import { MRKDWN_CONTROLS } from "../support/fuzz-text.js";
import { fullRule } from "../support/rules.js";
import { limitProblems, mrkdwnTexts, selectIn, typedTexts, withoutOwnControls } from "../support/block-kit-limits.js";
import { ACTION_END_NOW, ACTION_EXTEND } from "../../src/slack/ids.js";
import { grant } from "../support/grant-fixture.js";

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PROD: Account = { id: "111122223333", name: "Production" };
const SANDBOX: Account = { id: "444455556666", name: "Sandbox" };
const ACCOUNTS = [PROD, SANDBOX];
const alice: Person = { slackId: "U0ALICE", email: "alice@example.com", standing: "member" };
const HOSTILE = MRKDWN_CONTROLS.join(" ");

function rule(overrides: Partial<Rule> = {}): Rule {
  return fullRule({
    name: "prod-admin",
    accountIds: [PROD.id],
    permissionSets: ["AdministratorAccess"],
    requesters: [{ kind: "slack-user", id: "U0ALICE" }],
    approvers: [{ kind: "slack-user", id: "U0BOSS" }],
    approverChannel: "C0APPROVALS",
    maxDurationMs: 4 * HOUR,
    ...overrides,
  });
}

const ELIGIBLE: Eligibility[] = [
  { account: PROD, permissionSet: "AdministratorAccess", rule: rule({ maxDurationMs: 90 * MINUTE, justificationMinLength: 20 }) },
  { account: PROD, permissionSet: "ReadOnlyAccess", rule: rule({ name: "prod-ro", maxDurationMs: 8 * HOUR }) },
  {
    account: SANDBOX,
    permissionSet: "PowerUserAccess",
    rule: rule({ name: "sandbox", maxDurationMs: 2 * 24 * HOUR, ticket: { required: true, pattern: /^[A-Z]+-\d+$/ } }),
  },
];

function assertValidView(view: ModalView): void {
  assert.deepEqual(viewProblems(view), []);
  assert.deepEqual(limitProblems(view), []);
}

function assertValidMessage(message: Message): void {
  assert.equal(messageContentProblem({ text: message.text, blocks: message.blocks }, true), undefined);
  assert.deepEqual(limitProblems({ blocks: message.blocks }), []);
}

/** Nothing from user text survives as a control sequence in any mrkdwn text or fallback. */
function assertEscaped(message: { text?: string; blocks: readonly unknown[] }): void {
  for (const text of [...mrkdwnTexts(message.blocks), ...(message.text ? [message.text] : [])]) {
    assert.doesNotMatch(withoutOwnControls(text), /[<>]/, text);
  }
}

function values(state: Record<string, Record<string, unknown>>): unknown {
  return JSON.parse(JSON.stringify(state)) as unknown;
}

describe("requestModal", () => {
  it("passes the fake Slack's validation in every state of the form", () => {
    const manyAccounts = Array.from(
      { length: 130 },
      (_, i): Eligibility => ({
        account: { id: String(100000000000 + i), name: `${HOSTILE} account ${i}`.repeat(3) },
        permissionSet: `Set${i}`,
        rule: rule({ ticket: { required: false, pattern: new RegExp("x".repeat(5000)) } }),
      }),
    );
    const states = [
      { eligible: [], requester: alice },
      { eligible: ELIGIBLE, requester: alice },
      { eligible: ELIGIBLE, requester: alice, selection: { accountId: PROD.id } },
      { eligible: ELIGIBLE, requester: alice, selection: { accountId: SANDBOX.id, permissionSet: "PowerUserAccess", duration: "2h" } },
      {
        eligible: ELIGIBLE,
        requester: alice,
        selection: { permissionSet: "ReadOnlyAccess", justification: HOSTILE.repeat(50), ticket: HOSTILE },
      },
      { eligible: manyAccounts, requester: alice, selection: { accountId: "100000000007", permissionSet: "Set7" } },
    ];
    for (const state of states) assertValidView(requestModal(state));
  });

  it("says so, with nothing to submit, to someone who may request nothing", () => {
    const view = requestModal({ eligible: [], requester: alice });
    assert.equal(view.submit, undefined);
    assert.ok(view.blocks.every((block) => block.type !== "input"));
  });

  it("offers the eligible accounts by id, and on the chosen account only its permission sets", () => {
    const view = requestModal({ eligible: ELIGIBLE, requester: alice, selection: { accountId: PROD.id } });
    assert.equal(view.callback_id, "jit_request");
    assert.deepEqual(
      selectIn(view, "account").options.map((o) => o.value),
      [PROD.id, SANDBOX.id],
    );
    assert.deepEqual(
      selectIn(view, "permission_set").options.map((o) => o.value),
      ["AdministratorAccess", "ReadOnlyAccess"],
    );
    const sandbox = requestModal({ eligible: ELIGIBLE, requester: alice, selection: { accountId: SANDBOX.id } });
    assert.deepEqual(
      selectIn(sandbox, "permission_set").options.map((o) => o.value),
      ["PowerUserAccess"],
    );
  });

  it("asks for an account first, and lets choosing account or permission set re-render the form", () => {
    const view = requestModal({ eligible: ELIGIBLE, requester: alice });
    assert.match(selectIn(view, "permission_set").block.hint?.text ?? "", /account first/);
    assert.equal(selectIn(view, "account").block.dispatch_action, true);
    assert.equal(selectIn(view, "permission_set").block.dispatch_action, true);
  });

  it("keeps the choices that still fit as initial options, and drops one the new account does not offer", () => {
    const chosen = requestModal({
      eligible: ELIGIBLE,
      requester: alice,
      selection: { accountId: PROD.id, permissionSet: "ReadOnlyAccess", duration: "120m" },
    });
    assert.equal(selectIn(chosen, "account").initial?.value, PROD.id);
    assert.equal(selectIn(chosen, "permission_set").initial?.value, "ReadOnlyAccess");
    assert.equal(selectIn(chosen, "duration").initial?.value, "2h");
    const switched = requestModal({
      eligible: ELIGIBLE,
      requester: alice,
      selection: { accountId: SANDBOX.id, permissionSet: "ReadOnlyAccess" },
    });
    assert.equal(selectIn(switched, "permission_set").initial?.value, "PowerUserAccess", "the only permission set there is chosen");
    const unknown = requestModal({ eligible: ELIGIBLE, requester: alice, selection: { accountId: "999999999999", duration: "3d" } });
    assert.equal(selectIn(unknown, "account").initial, undefined);
    assert.equal(selectIn(unknown, "duration").initial, undefined, "3d is more than any rule allows");
    // Slack keeps an input's state across views.update only while its action_id stays the same.
    assert.notEqual(selectIn(chosen, "permission_set").element.action_id, selectIn(switched, "permission_set").element.action_id);
  });

  it("offers durations up to the chosen rule's maximum, including the maximum, all parseable", () => {
    const view = requestModal({
      eligible: ELIGIBLE,
      requester: alice,
      selection: { accountId: PROD.id, permissionSet: "AdministratorAccess" },
    });
    assert.deepEqual(
      selectIn(view, "duration").options.map((o) => o.value),
      ["15m", "30m", "1h", "1h30m"],
    );
    const sandbox = requestModal({ eligible: ELIGIBLE, requester: alice, selection: { accountId: SANDBOX.id } });
    const offered = selectIn(sandbox, "duration").options.map((o) => parseDuration(o.value ?? ""));
    assert.equal(Math.max(...offered), 2 * 24 * HOUR);
  });

  it("never offers more than the maximum, for any maximum a policy can hold", () => {
    fc.assert(
      fc.property(fc.integer({ min: MINUTE, max: 400 * 24 * HOUR }), (maxMs) => {
        const options = durationOptions(maxMs);
        const ms = options.map((o) => parseDuration(o.value ?? ""));
        assert.ok(options.length >= 1 && options.length <= 100);
        assert.ok(ms.every((value, i) => value <= maxMs && (i === 0 || value > (ms[i - 1] ?? 0))));
        assert.equal(ms[ms.length - 1], Math.floor(maxMs / MINUTE) * MINUTE);
        assert.ok(options.every((o) => (o.value ?? "").length <= 75 && o.text.text.length <= 75));
      }),
    );
    assert.deepEqual(durationChoices(10 * MINUTE), [10 * MINUTE]);
    assert.deepEqual(durationChoices(59_999), []);
  });

  it("asks for the rule's minimum justification and its ticket, with the pattern as a hint", () => {
    const admin = requestModal({
      eligible: ELIGIBLE,
      requester: alice,
      selection: { accountId: PROD.id, permissionSet: "AdministratorAccess" },
    });
    assert.equal(selectIn(admin, "justification").text?.min_length, 20);
    assert.equal(selectIn(admin, "justification").text?.max_length, 1000);
    assert.equal(selectIn(admin, "justification").text?.multiline, true);
    assert.equal(selectIn(admin, "ticket").block.optional, true);
    const sandbox = requestModal({ eligible: ELIGIBLE, requester: alice, selection: { accountId: SANDBOX.id } });
    assert.equal(selectIn(sandbox, "ticket").block.optional, false);
    assert.match(selectIn(sandbox, "ticket").block.hint?.text ?? "", /\^\[A-Z\]\+-\\d\+\$/);
  });

  it("shows the chosen rule's limits and approval, with the rule name escaped", () => {
    const eligible = [{ ...ELIGIBLE[0]!, rule: rule({ name: "<!channel> admin", approvalsRequired: 2 }) }];
    const view = requestModal({ eligible, requester: alice });
    const texts = mrkdwnTexts(view.blocks);
    assert.ok(
      texts.some((text) => text.includes("2 approvals") && text.includes("&lt;!channel&gt; admin")),
      texts.join("\n"),
    );
    assertEscaped({ blocks: view.blocks });
  });

  it("never puts an ARN or anything over 75 characters in an option", () => {
    const view = requestModal({ eligible: ELIGIBLE, requester: alice, selection: { accountId: PROD.id } });
    const options = ["account", "permission_set", "duration"].flatMap((block) => selectIn(view, block).options);
    assert.ok(options.every((o: PlainTextOption) => !(o.value ?? "").startsWith("arn:") && (o.value ?? "").length <= 75));
  });
});

describe("readRequestSubmission", () => {
  const filled = {
    account: { account: { type: "static_select", selected_option: { text: { type: "plain_text", text: "Production" }, value: PROD.id } } },
    permission_set: { "permission_set.111122223333": { type: "static_select", selected_option: { value: "ReadOnlyAccess" } } },
    duration: { "duration.8h": { type: "static_select", selected_option: { value: "2h" } } },
    justification: { justification: { type: "plain_text_input", value: "checking <!channel> alarms" } },
    ticket: { ticket: { type: "plain_text_input", value: null } },
  };

  it("reads every field of a submitted form, whatever the action ids", () => {
    assert.deepEqual(readRequestSubmission(values(filled)), {
      accountId: PROD.id,
      permissionSet: "ReadOnlyAccess",
      duration: "2h",
      justification: "checking <!channel> alarms",
    });
  });

  it("reads garbage as nothing given, and never throws", () => {
    const garbage: unknown[] = [
      null,
      undefined,
      42,
      "account",
      [],
      [filled],
      { account: null },
      { account: [] },
      { account: { account: { selected_option: { value: 7 } } } },
      { account: { account: { selected_option: { value: "x".repeat(76) } } } },
      { account: { a: { selected_option: { value: "1" } }, b: { selected_option: { value: "2" } } } },
      { justification: { justification: { value: "   \n " } } },
      { justification: { justification: { value: ["a"] } } },
      JSON.parse('{"__proto__": {"account": {"account": {"selected_option": {"value": "1"}}}}}'),
      Object.create({ account: { account: { selected_option: { value: "inherited" } } } }),
    ];
    for (const input of garbage) assert.deepEqual(readRequestSubmission(input), {}, JSON.stringify(input));
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), (input) => {
        const read = readRequestSubmission(input);
        assert.ok(
          Object.values(read).every(
            (value) => typeof value === "string" || (Array.isArray(value) && value.every((v) => typeof v === "string")),
          ),
        );
      }),
    );
  });

  it("names each missing required field, and completes a request without a ticket", () => {
    const missing = requireRequestFields({ accountId: PROD.id, duration: "1h" });
    assert.deepEqual(missing, {
      response_action: "errors",
      errors: { permission_set: "Choose a permission set.", justification: "Say why you need this access." },
    });
    assert.deepEqual(requireRequestFields(readRequestSubmission(values(filled))), {
      accountIds: [PROD.id],
      permissionSets: ["ReadOnlyAccess"],
      duration: "2h",
      justification: "checking <!channel> alarms",
      ticket: null,
    });
  });
});

describe("fieldErrors", () => {
  it("shows an error on the field it names", () => {
    assert.deepEqual(fieldErrors(new InvalidInput("Use a ticket like ABC-123.", "ticket"), "justification"), {
      response_action: "errors",
      errors: { ticket: "Use a ticket like ABC-123." },
    });
  });

  it("uses the caller's field for input and policy errors that name none", () => {
    assert.deepEqual(fieldErrors(new InvalidInput("too long"), "duration")?.errors, { duration: "too long" });
    assert.deepEqual(fieldErrors(new PolicyDenied("not for you"), "permission_set")?.errors, { permission_set: "not for you" });
    assert.deepEqual(fieldErrors(new NotFound("no such account"), "account")?.errors, { account: "no such account" });
    assert.equal(fieldErrors(new InvalidInput("where?")), undefined);
  });

  it("leaves errors that are not about the input to the usual reply", () => {
    assert.equal(fieldErrors(new Conflict("already decided"), "duration"), undefined);
    assert.equal(fieldErrors(new ProviderError("AWS is down", "Throttling", true), "duration"), undefined);
    assert.equal(fieldErrors(new Error("bug"), "duration"), undefined);
    assert.equal(fieldErrors("a string", "duration"), undefined);
  });

  it("keeps messages short enough for Slack to show under the field", () => {
    const errors = fieldErrors(new InvalidInput("x".repeat(1000), "justification"))?.errors ?? {};
    assert.ok((errors.justification ?? "").length <= 250);
  });
});

describe("denyReasonModal", () => {
  it("asks for an optional reason and carries the grant id", () => {
    const view = denyReasonModal(grant(), ACCOUNTS);
    assertValidView(view);
    assert.equal(view.callback_id, "jit_deny_reason");
    assert.equal(view.private_metadata, "jit-abcdefgh");
    assert.equal(selectIn(view, "reason").block.optional, true);
  });

  it("says what is being denied, with the requester's words as plain text", () => {
    const view = denyReasonModal(grant({ justification: HOSTILE, ticket: "<!here>" }), ACCOUNTS);
    assertValidView(view);
    assertEscaped(view);
    assert.match(mrkdwnTexts(view.blocks).join("\n"), /<@U0ALICE>'s request `jit-abcdefgh` for AdministratorAccess on Production/);
    assert.deepEqual(
      typedTexts(view.blocks).map((text) => text.split(": ")[0]),
      ["Justification"],
    );
    assert.match(typedTexts(view.blocks).join("\n"), /\nTicket: “&lt;!here&gt;”$/);
  });

  it("reads the reason, or nothing from garbage", () => {
    assert.equal(readDenyReason({ reason: { reason: { value: "  use read-only  " } } }), "use read-only");
    for (const input of [null, {}, { reason: { reason: { value: "" } } }, { reason: { reason: { value: 3 } } }]) {
      assert.equal(readDenyReason(input), undefined);
    }
  });
});

describe("extendModal", () => {
  const capped = rule({ maxDurationMs: 4 * HOUR, maxTotalDurationMs: 6 * HOUR });

  it("offers only what keeps the grant within the rule's maximum total", () => {
    const view = extendModal(grant({ activatedAt: T0, expiresAt: T0 + 4 * HOUR + 30 * MINUTE }), capped, ACCOUNTS);
    assertValidView(view);
    assert.equal(view.callback_id, "jit_extend");
    assert.equal(view.private_metadata, "jit-abcdefgh");
    const offered = selectIn(view, "duration").options.map((o) => parseDuration(o.value ?? ""));
    assert.deepEqual(offered, [15 * MINUTE, 30 * MINUTE, HOUR, 90 * MINUTE]);
    assert.equal(readExtendDuration({ duration: { duration: { selected_option: { value: "1h" } } } }), "1h");
    assert.equal(readExtendDuration({ duration: "1h" }), undefined);
  });

  it("says so, with nothing to submit, when no time is left or the grant is not active", () => {
    for (const g of [
      grant({ activatedAt: T0, expiresAt: T0 + 6 * HOUR - 30_000 }),
      grant({ status: "revoked" }),
      grant({ status: "pending", activatedAt: null, expiresAt: null }),
    ]) {
      const view = extendModal(g, capped, ACCOUNTS);
      assertValidView(view);
      assert.equal(view.submit, undefined);
      assert.ok(view.blocks.every((block) => block.type !== "input"));
    }
  });
});

describe("helpText", () => {
  it("lists the commands, the admin review only for admins, and what the caller may request", () => {
    const help = helpText(listedTargets(ELIGIBLE), false, alice);
    assertValidMessage(help);
    assertEscaped(help);
    const shown = help.text.replace(/&lt;/g, "<").replace(/&gt;/g, ">");
    for (const command of [
      "`/jit`",
      "/jit request <account> <permission-set> <duration> [--ticket ABC-123] <justification…>",
      "`/jit list [page]`",
      "/jit revoke <id>",
      "/jit extend <id> <duration>",
      "`/jit help [page]`",
    ]) {
      assert.ok(shown.includes(command), command);
    }
    assert.ok(!help.text.includes("--review"));
    assert.ok(helpText(listedTargets(ELIGIBLE), true, alice).text.includes("`/jit list --review [page]`"));
    const eligibility = mrkdwnTexts(help.blocks).join("\n");
    assert.match(
      eligibility,
      /\*Production\* \(111122223333\)\n• `AdministratorAccess`: up to 1h30m · 1 approval\n• `ReadOnlyAccess`: up to 8h/,
    );
    assert.match(eligibility, /\*Sandbox\* \(444455556666\)\n• `PowerUserAccess`: up to 2d · 1 approval · ticket required/);
  });

  it("says how each rule approves: automatically, by schedule, break-glass, or a quorum", () => {
    const schedule = { days: ["mon", "tue", "wed", "thu", "fri"], fromMinute: 540, toMinute: 1020, timeZone: "Europe/Berlin" } as const;
    const text = (r: Rule) =>
      mrkdwnTexts(helpText(listedTargets([{ account: PROD, permissionSet: "A", rule: r }]), false, alice).blocks).join("\n");
    assert.match(text(rule({ autoApprove: { kind: "always" } })), /approved automatically/);
    assert.match(
      text(rule({ autoApprove: { kind: "schedule", schedule } })),
      /approved automatically Mon–Fri 09:00–17:00 Europe\/Berlin, otherwise 1 approval/,
    );
    assert.match(text(rule({ breakGlass: [{ kind: "slack-user", id: "U0ALICE" }] })), /break-glass: granted at once/);
    assert.match(text(rule({ approvalsRequired: 2, maxTotalDurationMs: 8 * HOUR })), /up to 4h \(8h with extensions\) · 2 approvals/);
  });

  it("stays within Slack's limits on every page of a long list, and escapes names", () => {
    const many = Array.from(
      { length: 300 },
      (_, i): Eligibility => ({
        account: { id: String(100000000000 + Math.floor(i / 10)), name: `<!channel> team ${Math.floor(i / 10)}` },
        permissionSet: `Set${i}`,
        rule: rule(),
      }),
    );
    const pages = Number(/Page 1 of (\d+),/.exec(mrkdwnTexts(helpText(listedTargets(many), true, alice).blocks).join("\n"))?.[1]);
    assert.ok(pages > 1, "a list this long takes more than one page");
    for (let page = 1; page <= pages; page += 1) {
      const help = helpText(listedTargets(many), true, alice, page);
      assertValidMessage(help);
      assertEscaped(help);
    }
  });

  it("tells someone eligible for nothing who can help", () => {
    assert.match(mrkdwnTexts(helpText(listedTargets([]), false, alice).blocks).join("\n"), /does not list you/);
  });
});

describe("grantList", () => {
  it("shows pending and active grants with their expiry, leaving ended ones out", () => {
    const statuses: GrantStatus[] = ["pending", "active", "revoked", "denied", "expired", "cancelled", "failed"];
    const grants = statuses.map((status, i) =>
      grant({ id: `jit-0000000${i}`, status, expiresAt: status === "pending" ? null : T0 + HOUR }),
    );
    const list = grantList(grants, ACCOUNTS, T0 + 20 * MINUTE);
    assertValidMessage(list);
    assertEscaped(list);
    const text = mrkdwnTexts(list.blocks).join("\n");
    assert.ok(text.includes("jit-00000000") && text.includes("jit-00000001"));
    assert.ok(!["jit-00000002", "jit-00000003", "jit-00000006"].some((id) => text.includes(id)));
    assert.match(text, /Production \(111122223333\)/);
    assert.match(text, /active until <!date\^1700003600\^/);
    assert.match(text, /40m left/);
  });

  it("shows a ticket as the requester typed it, apart from the bot's text", () => {
    const list = grantList([grant({ ticket: ":white_check_mark: *INC-1*" })], ACCOUNTS, T0);
    assertValidMessage(list);
    assert.ok(!mrkdwnTexts(list.blocks).join("\n").includes("INC-1"));
    assert.deepEqual(typedTexts(list.blocks), ["Ticket: “:white_check_mark: *INC-1*”"]);
  });

  it("has an empty state", () => {
    assert.match(grantList([], ACCOUNTS, T0).text, /no pending or active access/);
  });
});

describe("reviewList", () => {
  it("lists unacknowledged break-glass grants, each with an Acknowledge button, user text escaped", () => {
    const grants = [
      grant({ id: "jit-00000001", breakGlass: true, justification: HOSTILE, ticket: "<!here>" }),
      grant({ id: "jit-00000002", breakGlass: true, reviewedBy: "U0BOSS", reviewedAt: T0 }),
      grant({ id: "jit-00000003" }),
    ];
    const list = reviewList(grants, [{ id: PROD.id, name: "<!channel>" }]);
    assertValidMessage(list);
    assertEscaped(list);
    assert.ok(!mrkdwnTexts(list.blocks).join("\n").includes("VICTIM"), "the justification is not in the bot's mrkdwn");
    assert.match(typedTexts(list.blocks).join("\n"), /^Justification: “&lt;!channel&gt; .*VICTIM.*…”\nTicket: “&lt;!here&gt;”$/s);
    const buttons = JSON.stringify(list.blocks).match(/"action_id":"jit_review_ack","value":"jit-\d+"/g) ?? [];
    assert.deepEqual(buttons, ['"action_id":"jit_review_ack","value":"jit-00000001"']);
  });

  it("has an empty state", () => {
    assert.match(reviewList([], ACCOUNTS).text, /No break-glass access is waiting/);
  });
});

describe("expiryWarning", () => {
  it("says when access ends, with Extend and a confirmed End now", () => {
    const warning = expiryWarning(grant({ permissionSetName: "Admin<!channel>" }), [{ id: PROD.id, name: HOSTILE }]);
    assertValidMessage(warning);
    assertEscaped(warning);
    assert.match(warning.text, /ends <!date\^1700003600\^/);
    const actions = warning.blocks.find((block) => block.type === "actions");
    assert.ok(actions && actions.type === "actions");
    const [extend, end] = actions.elements;
    assert.deepEqual(extend && extend.type === "button" && [extend.action_id, extend.value], [ACTION_EXTEND, "jit-abcdefgh"]);
    assert.ok(end && end.type === "button");
    assert.deepEqual([end.action_id, end.value, end.style, end.confirm?.style], [ACTION_END_NOW, "jit-abcdefgh", "danger", "danger"]);
    assert.deepEqual([ACTION_EXTEND, ACTION_END_NOW], ["jit_extend", "jit_end_now"]);
  });
});

describe("breakGlassNotice", () => {
  it("posts who took what and why, escaped, with an Acknowledge button until someone reviews it", () => {
    const taken = grant({ breakGlass: true, decidedBy: "system", justification: HOSTILE.repeat(40), ticket: "<!channel>" });
    const notice = breakGlassNotice(taken, ACCOUNTS);
    assertValidMessage(notice);
    assertEscaped(notice);
    assert.match(typedTexts(notice.blocks).join("\n"), /^Justification: “.*\nTicket: “&lt;!channel&gt;”$/s);
    assert.match(JSON.stringify(notice.blocks), /"action_id":"jit_review_ack","style":"primary","value":"jit-abcdefgh"/);
    const reviewed = breakGlassNotice({ ...taken, reviewedBy: "U0BOSS", reviewedAt: T0 + HOUR }, ACCOUNTS);
    assertValidMessage(reviewed);
    assert.ok(!JSON.stringify(reviewed.blocks).includes("jit_review_ack"));
    assert.match(mrkdwnTexts(reviewed.blocks).join("\n"), /Reviewed by <@U0BOSS>/);
  });
});
