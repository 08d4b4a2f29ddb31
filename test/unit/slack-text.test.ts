// What the bot writes in Slack: escaping, the /jit command parser, and the Block Kit builders.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidInput } from "../../src/domain/errors.js";
import type { Grant, GrantStatus } from "../../src/domain/grant.js";
import { newGrantId } from "../../src/domain/ids.js";
import type { Account } from "../../src/domain/policy.js";
import {
  approvalRequestMessage,
  decidedRequestMessage,
  outcomeLine,
  requestConfirmation,
  requesterUpdate,
} from "../../src/slack/views/blocks.js";
import { parseJitCommand } from "../../src/slack/handlers/command-parser.js";
import { REQUEST_USAGE } from "../../src/slack/views/command-usage.js";
import { escapeMrkdwn, mention, slackDate } from "../../src/slack/views/escape.js";
import { textObjects } from "../support/block-kit-limits.js";
import { HOUR, newGrant, storedGrant, T0 } from "../support/store-fixtures.js";
import { ACTION_APPROVE, ACTION_DENY } from "../../src/slack/ids.js";

const PORTAL = "https://d-1234567890.awsapps.com/start";
const ALL_STATUSES: readonly GrantStatus[] = [
  "pending",
  "approved",
  "denied",
  "expired",
  "cancelled",
  "provisioning",
  "active",
  "failed",
  "revoking",
  "revoked",
];
const ACCOUNTS: readonly Account[] = [{ id: "111122223333", name: "Production" }];

function grant(overrides: Partial<Grant> = {}): Grant {
  return { ...storedGrant(newGrant("jit-abcdefgh", { durationMs: 1.5 * HOUR })), ...overrides };
}

/** Every string anywhere inside a value: block text, fields, fallbacks, button values. */
function allStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(allStrings);
  return [];
}

/** Strips the control sequences the bot itself emits on purpose; whatever `<` or `>` remains came from user text. */
function withoutOwnControls(text: string): string {
  return text.replace(/<@[UW][A-Z0-9]+>/g, "").replace(/<!date\^\d+\^\{date_short_pretty\} at \{time\}\|[0-9: -]+UTC>/g, "");
}

function buttons(blocks: readonly unknown[]): Array<{ action_id: string; value: string }> {
  return blocks.flatMap((block) => {
    const elements = (block as { type?: string; elements?: unknown[] }).elements ?? [];
    return elements.filter((e): e is { action_id: string; value: string } => (e as { type?: string }).type === "button");
  });
}

describe("escapeMrkdwn", () => {
  it("escapes &, < and > so Slack shows them literally", () => {
    assert.equal(escapeMrkdwn("a & b < c > d"), "a &amp; b &lt; c &gt; d");
  });

  it("defuses a channel ping and a user mention", () => {
    assert.equal(escapeMrkdwn("<!channel>"), "&lt;!channel&gt;");
    assert.equal(escapeMrkdwn("<@U123>"), "&lt;@U123&gt;");
    assert.equal(escapeMrkdwn("<https://evil.example|click>"), "&lt;https://evil.example|click&gt;");
  });

  it("escapes an ampersand that already looks like an entity, so it shows as typed", () => {
    assert.equal(escapeMrkdwn("&lt;"), "&amp;lt;");
  });

  it("leaves other text, formatting characters included, alone", () => {
    assert.equal(escapeMrkdwn("*bold* _it_ `code` ~x~ 'q' \"dq\""), "*bold* _it_ `code` ~x~ 'q' \"dq\"");
  });
});

describe("mention", () => {
  it("mentions a Slack user id", () => {
    assert.equal(mention("U0ALICE"), "<@U0ALICE>");
    assert.equal(mention("W0ENTERPRISE"), "<@W0ENTERPRISE>");
  });

  it("writes anything else as escaped text", () => {
    assert.equal(mention("an approver"), "an approver");
    assert.equal(mention("<!channel>"), "&lt;!channel&gt;");
    assert.equal(mention("U0ALICE> <!here"), "U0ALICE&gt; &lt;!here");
  });
});

describe("slackDate", () => {
  it("renders a date in each reader's time zone, with a UTC fallback", () => {
    assert.equal(slackDate(T0), "<!date^1700000000^{date_short_pretty} at {time}|2023-11-14 22:13 UTC>");
  });
});

describe("parseJitCommand", () => {
  for (const text of ["help", "HELP", " help me please "]) {
    it(`reads ${JSON.stringify(text)} as a request for help`, () => {
      assert.deepEqual(parseJitCommand(text), { kind: "help", page: 1 });
    });
  }

  for (const text of ["", "   "]) {
    it(`reads ${JSON.stringify(text)} as a request for the form`, () => {
      assert.deepEqual(parseJitCommand(text), { kind: "form" });
    });
  }

  it("reads list, list --review, revoke and extend", () => {
    assert.deepEqual(parseJitCommand("list"), { kind: "list", review: false, page: 1 });
    assert.deepEqual(parseJitCommand("list --review"), { kind: "list", review: true, page: 1 });
    assert.deepEqual(parseJitCommand("revoke JIT-AB12CD34"), { kind: "revoke", grantId: "jit-ab12cd34" });
    assert.deepEqual(parseJitCommand("extend jit-ab12cd34 30m"), { kind: "extend", grantId: "jit-ab12cd34", duration: "30m" });
    assert.throws(() => parseJitCommand("revoke jit-abc"), /Give a grant id like jit-ab12cd34/);
    assert.throws(() => parseJitCommand("extend jit-ab12cd34"), /Usage: \/jit extend/);
    assert.throws(() => parseJitCommand("list everything"), /Usage: \/jit list/);
  });

  it("reads a page number after help, list and list --review, and refuses one that is not a page", () => {
    assert.deepEqual(parseJitCommand("help 3"), { kind: "help", page: 3 });
    assert.deepEqual(parseJitCommand("list 2"), { kind: "list", review: false, page: 2 });
    assert.deepEqual(parseJitCommand("list --review 12"), { kind: "list", review: true, page: 12 });
    for (const text of ["help 0", "help 12345", "list 0", "list -1", "list 2 3", "list --review two", "list 2 --review"]) {
      assert.throws(() => parseJitCommand(text), /Give a page number like 2\. Usage: \/jit (help|list)/, text);
    }
  });

  it("reads revoke --all (and end --all) with what follows as the scope, unresolved", () => {
    assert.deepEqual(parseJitCommand("revoke --all"), { kind: "revoke-all", scope: "" });
    assert.deepEqual(parseJitCommand("END --ALL prod"), { kind: "revoke-all", scope: "prod" });
    assert.deepEqual(parseJitCommand("revoke --all  account:Sandbox   Team "), { kind: "revoke-all", scope: "account:Sandbox Team" });
    assert.throws(() => parseJitCommand(`revoke --all ${"x".repeat(200)}`), /Usage: \/jit revoke --all \[account\|permission-set\]/);
    assert.throws(() => parseJitCommand("revoke all"), /Give a grant id/);
  });

  it("reads a --ticket anywhere in the justification", () => {
    const command = parseJitCommand("request prod Admin 1h fixing --ticket INC-42 the outage");
    assert.ok(command.kind === "request");
    assert.equal(command.ticket, "INC-42");
    assert.equal(command.justification, "fixing the outage");
    assert.throws(() => parseJitCommand("request prod Admin 1h why --ticket"), /--ticket needs a value/);
  });

  it("reads a request with every part", () => {
    assert.deepEqual(parseJitCommand("request Production AdministratorAccess 2h payments are down"), {
      kind: "request",
      account: "Production",
      permissionSet: "AdministratorAccess",
      duration: "2h",
      justification: "payments are down",
      ticket: null,
      group: null,
    });
  });

  it("reads a request for group membership, with its ticket", () => {
    assert.deepEqual(parseJitCommand("request group prod-admins 2h --ticket INC-1 payments are down"), {
      kind: "request",
      account: "",
      permissionSet: "",
      duration: "2h",
      justification: "payments are down",
      ticket: "INC-1",
      group: "prod-admins",
    });
    assert.throws(() => parseJitCommand("request group prod-admins 2h"), /justification is required.*request group/);
    assert.throws(() => parseJitCommand("request group prod-admins"), /Not enough.*request group <group>/);
  });

  it("reads the verb in any case and tolerates extra whitespace between parts", () => {
    assert.deepEqual(parseJitCommand("  Request\t111122223333   ReadOnlyAccess \n 30m  look\n at  logs "), {
      kind: "request",
      account: "111122223333",
      permissionSet: "ReadOnlyAccess",
      duration: "30m",
      justification: "look at logs",
      ticket: null,
      group: null,
    });
  });

  it("passes Slack control text in the justification through untouched", () => {
    const command = parseJitCommand("request prod Admin 1h <!channel> & <@U123>");
    assert.equal(command.kind === "request" && command.justification, "<!channel> & <@U123>");
  });

  it('reads "1h 30m" as a 1h request whose justification starts with "30m"', () => {
    const command = parseJitCommand("request prod Admin 1h 30m fixing");
    assert.ok(command.kind === "request");
    assert.equal(command.duration, "1h");
    assert.equal(command.justification, "30m fixing");
  });

  for (const text of ["request", "request prod", "request prod Admin"]) {
    it(`refuses "${text}" as incomplete, showing the usage`, () => {
      assert.throws(
        () => parseJitCommand(text),
        (error: unknown) => {
          assert.ok(error instanceof InvalidInput);
          assert.equal(error.message, `Not enough to make a request. Usage: ${REQUEST_USAGE}`);
          return true;
        },
      );
    });
  }

  it("refuses a request without a justification, showing the usage", () => {
    assert.throws(
      () => parseJitCommand("request prod Admin 2h   "),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInput);
        assert.match(error.message, /^A justification is required/);
        assert.ok(error.message.endsWith(`Usage: ${REQUEST_USAGE}`));
        return true;
      },
    );
  });

  it("refuses an unknown verb, naming it", () => {
    assert.throws(
      () => parseJitCommand("grant jit-abc"),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInput);
        assert.equal(error.message, 'Unknown command "grant". Try /jit help.');
        return true;
      },
    );
  });

  it("names at most 40 characters of an unknown verb", () => {
    assert.throws(() => parseJitCommand("x".repeat(500)), { message: `Unknown command "${"x".repeat(40)}". Try /jit help.` });
  });
});

describe("outcomeLine", () => {
  const decided = { decidedBy: "U0BOSS", decidedAt: T0 + 60_000 };
  const by = ` by <@U0BOSS> ${slackDate(T0 + 60_000)}`;
  const expected: Record<GrantStatus, [Partial<Grant>, string]> = {
    pending: [{}, ":hourglass: Waiting for approval"],
    denied: [decided, `:no_entry: Denied${by}`],
    expired: [{ endedAt: T0 + HOUR }, `:hourglass: Expired: nobody decided before ${slackDate(T0 + HOUR)}`],
    cancelled: [{ endedAt: T0 + HOUR }, `:leftwards_arrow_with_hook: Withdrawn by the requester ${slackDate(T0 + HOUR)}`],
    approved: [decided, `:white_check_mark: Approved${by} · :gear: granting access in AWS…`],
    provisioning: [decided, `:white_check_mark: Approved${by} · :gear: granting access in AWS…`],
    active: [{ ...decided, expiresAt: T0 + HOUR }, `:white_check_mark: Approved${by} · :unlock: active until ${slackDate(T0 + HOUR)}`],
    failed: [{ ...decided, failureReason: "no such user" }, `:x: Failed: no such user (approved${by})`],
    revoking: [{ ...decided, activatedAt: T0 + 2 * 60_000 }, `:white_check_mark: Approved${by} · :lock: removing access…`],
    revoked: [
      { ...decided, activatedAt: T0 + 2 * 60_000, endedAt: T0 + 2 * HOUR },
      `:white_check_mark: Approved${by} · :lock: ended ${slackDate(T0 + 2 * HOUR)}`,
    ],
  };

  for (const status of ALL_STATUSES) {
    const [fields, line] = expected[status];
    it(`says where a ${status} grant stands`, () => {
      assert.equal(outcomeLine(grant({ status, ...fields })), line);
    });
  }

  it("says a grant stopped before it became active was stopped, and why when it was too late", () => {
    assert.equal(
      outcomeLine(grant({ status: "revoking", ...decided })),
      `:leftwards_arrow_with_hook: Approved${by}, then stopped before it became active · :lock: removing access…`,
    );
    assert.equal(
      outcomeLine(grant({ status: "revoked", ...decided, failureReason: "too late", endedAt: T0 + HOUR })),
      `:x: Failed: too late (approved${by}) · :lock: ended ${slackDate(T0 + HOUR)}`,
    );
  });

  it("leaves out who decided when nobody has", () => {
    assert.equal(outcomeLine(grant({ status: "failed", failureReason: "no Slack email" })), ":x: Failed: no Slack email");
    assert.equal(outcomeLine(grant({ status: "denied" })), ":no_entry: Denied");
  });

  it("names an unknown reason for a failure without one", () => {
    assert.equal(outcomeLine(grant({ status: "failed" })), ":x: Failed: unknown reason");
  });
});

describe("Block Kit messages", () => {
  it("builds the approval request with the summary, the justification and both buttons", () => {
    const message = approvalRequestMessage(grant(), ACCOUNTS);
    assert.equal(message.text, "<@U0ALICE> requests AdministratorAccess on Production (111122223333) for 1h30m");
    const strings = allStrings(message.blocks);
    assert.ok(strings.includes("Access request jit-abcdefgh"));
    assert.ok(strings.includes("Justification: “incident 42”"));
    assert.ok(strings.includes("*Duration*\n1h30m"));
    assert.deepEqual(
      buttons(message.blocks).map((b) => [b.action_id, b.value]),
      [
        [ACTION_APPROVE, "jit-abcdefgh"],
        [ACTION_DENY, "jit-abcdefgh"],
      ],
    );
  });

  it("shows the bare account id for an account the policy does not name", () => {
    const message = approvalRequestMessage(grant({ accountId: "999999999999" }), ACCOUNTS);
    assert.match(message.text, /on 999999999999 for/);
  });

  it("replaces the buttons with the outcome once decided", () => {
    const message = decidedRequestMessage(grant({ status: "denied", decidedBy: "U0BOSS", decidedAt: T0 }), ACCOUNTS);
    assert.deepEqual(buttons(message.blocks), []);
    assert.equal(message.blocks.at(-1)?.type, "section");
    assert.ok(allStrings(message.blocks).includes(`:no_entry: Denied by <@U0BOSS> ${slackDate(T0)}`));
    assert.match(message.text, /^jit-abcdefgh: AdministratorAccess on Production \(111122223333\) for 1h30m — :no_entry: Denied/);
  });

  it("keeps every button value within 75 characters", () => {
    for (let i = 0; i < 200; i += 1) {
      const id = newGrantId();
      for (const button of buttons(approvalRequestMessage(grant({ id }), ACCOUNTS).blocks)) {
        assert.equal(button.value, id);
        assert.ok(button.value.length <= 75, `${button.value} is ${button.value.length} characters`);
      }
    }
  });

  describe("with hostile text in every field people can write", () => {
    const hostile = grant({
      justification: "urgent <!channel> & <@U0BOSS> <https://evil.example|click here>",
      permissionSetName: "<!here>",
      ruleName: "<!everyone>",
      failureReason: "<!channel> failed & <@U0X>",
      decidedBy: "<!subteam^S0ADMINS>",
      decidedAt: T0,
      expiresAt: T0 + HOUR,
      endedAt: T0 + 2 * HOUR,
    });
    const accounts: readonly Account[] = [{ id: "111122223333", name: "<!channel> prod" }];

    const outputs: Array<[string, (status: GrantStatus) => unknown]> = [
      ["approvalRequestMessage", (status) => approvalRequestMessage({ ...hostile, status }, accounts)],
      ["decidedRequestMessage", (status) => decidedRequestMessage({ ...hostile, status }, accounts)],
      ["requesterUpdate", (status) => requesterUpdate({ ...hostile, status }, accounts, PORTAL)],
      ["requestConfirmation", (status) => requestConfirmation([{ ...hostile, status }], accounts)],
    ];

    for (const [name, build] of outputs) {
      it(`never lets ${name} emit a ping, mention or link from user text, in any status`, () => {
        for (const status of ALL_STATUSES) {
          for (const text of allStrings(build(status))) {
            assert.doesNotMatch(text, /<!channel>|<!here>|<!everyone>|<!subteam/, `${name}/${status}: ${text}`);
            assert.doesNotMatch(withoutOwnControls(text), /[<>]/, `${name}/${status}: ${text}`);
          }
        }
      });
    }

    it("shows the justification escaped in the approval request", () => {
      const strings = allStrings(approvalRequestMessage(hostile, accounts));
      assert.ok(strings.includes("Justification: “urgent &lt;!channel&gt; &amp; &lt;@U0BOSS&gt; &lt;https://evil.example|click here&gt;”"));
    });

    it("shows the justification escaped once decided", () => {
      const strings = allStrings(decidedRequestMessage({ ...hostile, status: "active" }, accounts));
      assert.ok(strings.some((text) => text.includes("urgent &lt;!channel&gt; &amp;")));
    });
  });
});

describe("words people typed", () => {
  const forged = ":white_check_mark: *Approved* by @bob · :unlock: active until _tomorrow_ https://evil.example";
  const carrying = (blocks: unknown, words: string) => textObjects(blocks).filter((text) => text.text.includes(words));

  const messages: Array<[string, () => unknown]> = [
    ["the approval request", () => approvalRequestMessage(grant({ justification: forged, ticket: forged }), ACCOUNTS).blocks],
    [
      "the decided request",
      () => decidedRequestMessage(grant({ status: "active", justification: forged, expiresAt: T0 + HOUR }), ACCOUNTS).blocks,
    ],
    [
      "a denial's reason",
      () => decidedRequestMessage(grant({ status: "denied", decidedBy: "U0BOSS", decisionReason: forged }), ACCOUNTS).blocks,
    ],
    [
      "the requester's denial message",
      () => requesterUpdate(grant({ status: "denied", decidedBy: "U0BOSS", decisionReason: forged }), ACCOUNTS, PORTAL)?.blocks,
    ],
  ];
  for (const [where, blocks] of messages) {
    it(`shows them in ${where} as quoted plain text with emoji codes left as letters, never as mrkdwn`, () => {
      const texts = carrying(blocks(), "*Approved* by @bob");
      assert.ok(texts.length > 0, "the words are shown");
      for (const text of texts) {
        assert.equal(text.type, "plain_text");
        assert.equal(text.emoji, false);
        assert.match(text.text, /^(Justification|Ticket|Reason): “:white_check_mark: \*Approved\* by @bob/m);
      }
    });
  }

  it("keeps a denial's reason out of the bot's outcome line", () => {
    const denied = grant({ status: "denied", decidedBy: "U0BOSS", decidedAt: T0, decisionReason: forged });
    assert.equal(outcomeLine(denied), `:no_entry: Denied by <@U0BOSS> ${slackDate(T0)}`);
    assert.ok(!decidedRequestMessage(denied, ACCOUNTS).text.includes("Approved"), "the notification text carries no typed words");
  });

  it("turns typed curly quotes into straight ones, so the closing quote is always the bot's", () => {
    const strings = allStrings(approvalRequestMessage(grant({ justification: "fix” Ticket: “INC-1" }), ACCOUNTS).blocks);
    assert.ok(strings.includes('Justification: “fix" Ticket: "INC-1”'));
  });
});

describe("requesterUpdate", () => {
  it("tells the requester access is granted, until when, and where to sign in", () => {
    const text = requesterUpdate(grant({ status: "active", expiresAt: T0 + HOUR }), ACCOUNTS, PORTAL)?.text;
    assert.equal(
      text,
      `:unlock: Access granted: AdministratorAccess on Production (111122223333) for 1h30m (jit-abcdefgh), until ${slackDate(T0 + HOUR)}.\nSign in through the AWS access portal: ${PORTAL}`,
    );
  });

  it("says when the access was already there outside jit-slack", () => {
    const text = requesterUpdate(grant({ status: "active", expiresAt: T0 + HOUR, keepsAssignment: true }), ACCOUNTS, PORTAL)?.text;
    assert.match(text ?? "", /You already had this access outside jit-slack; it stays after this grant ends\.$/);
  });

  it("names who denied the request", () => {
    assert.match(
      requesterUpdate(grant({ status: "denied", decidedBy: "U0BOSS" }), ACCOUNTS, PORTAL)?.text ?? "",
      /was denied by <@U0BOSS>\.$/,
    );
  });

  it("gives the reason for a failure", () => {
    assert.match(
      requesterUpdate(grant({ status: "failed", failureReason: "no such user" }), ACCOUNTS, PORTAL)?.text ?? "",
      /could not be granted: no such user$/,
    );
  });

  it("says when access has ended", () => {
    assert.equal(
      requesterUpdate(grant({ status: "revoked", activatedAt: T0 }), ACCOUNTS, PORTAL)?.text,
      ":lock: Your access AdministratorAccess on Production (111122223333) for 1h30m (jit-abcdefgh) has ended.",
    );
  });

  it("says a grant stopped before it became active left nothing in AWS", () => {
    assert.equal(
      requesterUpdate(grant({ status: "revoked" }), ACCOUNTS, PORTAL)?.text,
      ":lock: Your request for AdministratorAccess on Production (111122223333) for 1h30m (jit-abcdefgh) was stopped before it became active; nothing of it is left in AWS.",
    );
  });

  it("gives the reason once when a grant fails for being too late, as its removal starts, not again when it is done", () => {
    assert.match(
      requesterUpdate(grant({ status: "revoking", failureReason: "too late" }), ACCOUNTS, PORTAL)?.text ?? "",
      /could not be granted: too late$/,
    );
    assert.equal(requesterUpdate(grant({ status: "revoked", failureReason: "too late" }), ACCOUNTS, PORTAL), undefined);
  });

  it("says nothing while a grant is on its way", () => {
    for (const status of ["pending", "approved", "provisioning", "revoking"] as const) {
      assert.equal(requesterUpdate(grant({ status }), ACCOUNTS, PORTAL), undefined, status);
    }
  });
});

describe("requestConfirmation", () => {
  it("confirms a request was sent to the approvers", () => {
    assert.equal(
      requestConfirmation([grant()], ACCOUNTS),
      ":inbox_tray: Request jit-abcdefgh for AdministratorAccess on Production (111122223333) for 1h30m was sent to the approvers. You will get a message when it is decided.",
    );
  });

  it("says a request was recorded but failed", () => {
    assert.equal(
      requestConfirmation([grant({ status: "failed", failureReason: "approval channel not found" })], ACCOUNTS),
      ":x: Request jit-abcdefgh was recorded but failed: approval channel not found",
    );
  });
});
