// Audit records as the audit channel shows them: a readable summary, the fields that matter for the
// action, user text escaped, and messages that stay inside Slack's limits.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditRecord } from "../../src/domain/audit-event.js";
import { AUDIT_POST_LIMITS, auditMessage, auditSection, auditText, parseAuditBlockId } from "../../src/slack/views/audit-text.js";

const ACCOUNTS = [{ id: "111122223333", name: "prod" }];
const AT = Date.UTC(2026, 0, 2, 3, 4);

function record(seq: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    seq,
    at: AT,
    action: "requested",
    actorId: "U0ALICE",
    grantId: "jit-abcd2345",
    accountId: "111122223333",
    permissionSet: "AdministratorAccess",
    detail: {
      status: "pending",
      requesterId: "U0ALICE",
      requesterEmail: "alice@example.com",
      rule: "engineers",
      durationMs: 5_400_000,
      justification: "INC-42 checking alarms",
      decidedBy: null,
      expiresAt: null,
      awsRequestIds: null,
    },
    ...overrides,
  };
}

describe("auditText", () => {
  it("words the incident switch by its scope and count, names only the account it is about, and keeps the admin's reason as plain text", () => {
    const onProd = record(8, {
      action: "revoke_all",
      actorId: "U0DAVE",
      grantId: "",
      permissionSet: "",
      detail: { scope: "account:111122223333", grants: 3, alreadyEnding: 1, reason: "INC-7 <!channel>" },
    });
    const section = auditSection(onProd, ACCOUNTS);
    assert.match(section.text.text, /^:rotating_light: \*revoke_all\* · prod \(111122223333\) · by <@U0DAVE> · /);
    assert.match(section.text.text, /\nscope: account:111122223333 · grants ended: 3 · already ending: 1$/);
    assert.ok(!section.text.text.includes("INC-7"), "the reason stays out of the bot's mrkdwn");
    assert.deepEqual(section.fields, [{ type: "plain_text", text: "Reason: “INC-7 &lt;!channel&gt;”", emoji: false }]);
    const everything = auditText(record(9, { ...onProd, accountId: "", detail: { ...onProd.detail, scope: "all" } }), ACCOUNTS);
    assert.match(everything, /^:rotating_light: \*revoke_all\* · by <@U0DAVE> · /);
  });

  it("leads with the action, grant, permission set, account, actor, time and sequence number", () => {
    const [summary] = auditText(record(7), ACCOUNTS).split("\n");
    assert.equal(
      summary,
      ":inbox_tray: *requested* · `jit-abcd2345` · AdministratorAccess on prod (111122223333) · by <@U0ALICE> · " +
        "<!date^1767323040^{date_short_pretty} at {time}|2026-01-02 03:04 UTC> · #7",
    );
  });

  it("ends the summary with the record's short hash when the record carries its hash, and names both in the block id", () => {
    const hash = "0123456789abcdef".repeat(4);
    const [summary] = auditText({ ...record(7), hash }, ACCOUNTS).split("\n");
    assert.ok(summary?.endsWith(" · #7 `0123456789abcdef`"), summary);
    const message = auditMessage([{ ...record(7), hash }, record(8)]);
    assert.deepEqual(
      message.blocks.map((block) => block.block_id),
      ["audit-7-0123456789abcdef", "audit-8"],
    );
    assert.deepEqual(parseAuditBlockId("audit-7-0123456789abcdef"), { seq: 7, shortHash: "0123456789abcdef" });
    assert.deepEqual(parseAuditBlockId("audit-8"), { seq: 8, shortHash: undefined });
    assert.equal(parseAuditBlockId("audit-checkpoint-8"), undefined);
  });

  it("shows what a request asked for, and not the whole detail", () => {
    const [, details] = auditText(record(1), ACCOUNTS).split("\n");
    assert.equal(details, "for <@U0ALICE> · 1h30m · rule: engineers");
    assert.ok(!auditText(record(1)).includes("alice@example.com"));
  });

  it("shows why a revocation kept the assignment, and which AWS request removed one", () => {
    const kept = record(2, {
      action: "revoked",
      actorId: "system",
      detail: {
        requesterId: "U0ALICE",
        assignmentRemoved: false,
        keptBecause: "the user had this assignment before the grant",
        awsRequestId: null,
      },
    });
    assert.match(auditText(kept), /by jit-slack .*\nfor <@U0ALICE> · assignment kept: the user had this assignment before the grant$/);
    const removed = record(3, {
      action: "revoked",
      actorId: "system",
      detail: { requesterId: "U0ALICE", assignmentRemoved: true, keptBecause: null, awsRequestId: "req-1" },
    });
    assert.match(auditText(removed), /\nfor <@U0ALICE> · assignment removed · AWS request: req-1$/);
  });

  it("shows a failing revocation's attempt, code and error", () => {
    const retry = record(4, {
      action: "revocation_stuck",
      actorId: "system",
      detail: {
        requesterId: "U0ALICE",
        error: "DeleteAccountAssignment failed: AccessDeniedException",
        code: "AccessDeniedException",
        attempts: 5,
      },
    });
    assert.match(
      auditText(retry),
      /^:rotating_light: \*revocation_stuck\*.*\nfor <@U0ALICE> · attempt: 5 · code: AccessDeniedException · error: DeleteAccountAssignment failed/s,
    );
  });

  it("shows, for an action it has no list for, what the step itself reported", () => {
    const future = record(5, {
      action: "some_new_step" as AuditRecord["action"],
      detail: { status: "active", requesterId: "U0ALICE", rule: "engineers", extraMs: 3_600_000, note: "hello" },
    });
    const text = auditText(future);
    assert.match(text, /^:memo: \*some_new_step\*/);
    assert.match(text, /\nfor <@U0ALICE> · extraMs: 3600000 · note: hello$/);
  });

  it("clips long values and never exceeds a section's 3,000 characters", () => {
    const text = auditText(record(8, { detail: { requesterId: "U0ALICE", rule: "r".repeat(5_000) } }));
    assert.ok(text.length <= AUDIT_POST_LIMITS.section);
    assert.ok(text.includes(`rule: ${"r".repeat(299)}…`));
  });
});

describe("auditSection", () => {
  const forged = ":white_check_mark: *approved* · `jit-abcd2345` by <!channel> & co";

  it("shows a request's justification and ticket as plain text apart from the bot's mrkdwn, escaped", () => {
    const section = auditSection(record(6, { detail: { requesterId: "U0ALICE", justification: forged, ticket: "_INC-1_" } }));
    assert.ok(!section.text.text.includes("*approved*") && !section.text.text.includes("INC-1"), section.text.text);
    assert.deepEqual(section.fields, [
      {
        type: "plain_text",
        emoji: false,
        text: "Justification: “:white_check_mark: *approved* · `jit-abcd2345` by &lt;!channel&gt; &amp; co”\nTicket: “_INC-1_”",
      },
    ]);
  });

  it("shows a denial's reason the same way", () => {
    const section = auditSection(record(7, { action: "denied", actorId: "U0BOB", detail: { requesterId: "U0ALICE", reason: forged } }));
    assert.ok(!section.text.text.includes("*approved*"), section.text.text);
    assert.match(section.fields?.[0]?.text ?? "", /^Reason: “:white_check_mark: \*approved\*/);
  });

  it("shows no ticket on the records that only repeat the grant's context", () => {
    const section = auditSection(
      record(8, { action: "approval_recorded", detail: { requesterId: "U0ALICE", ticket: "*INC-1*", justification: "x" } }),
    );
    assert.equal(section.fields, undefined);
    assert.ok(!section.text.text.includes("INC-1"));
  });

  it("clips typed words to 300 characters", () => {
    const section = auditSection(record(9, { detail: { requesterId: "U0ALICE", justification: "x".repeat(10_000) } }));
    assert.equal(section.fields?.[0]?.text, `Justification: “${"x".repeat(299)}…”`);
  });
});

describe("auditMessage", () => {
  it("carries one record as a section whose block id names its sequence number", () => {
    const message = auditMessage([record(9)], ACCOUNTS);
    assert.equal(message.count, 1);
    assert.deepEqual(
      message.blocks.map((block) => block.block_id),
      ["audit-9"],
    );
    assert.match(message.text, /^:inbox_tray: \*requested\* · `jit-abcd2345`/);
  });

  it("batches up to the record limit and says which records it carries", () => {
    const records = Array.from({ length: 100 }, (_, i) => record(i + 1));
    const message = auditMessage(records);
    assert.equal(message.count, AUDIT_POST_LIMITS.records);
    assert.equal(message.text, `${AUDIT_POST_LIMITS.records} audit records, #1 to #${AUDIT_POST_LIMITS.records}`);
  });

  it("stops before the blocks' total length passes the limit, but always carries the first record", () => {
    const long = (seq: number) =>
      record(seq, { detail: { requesterId: "U0ALICE", justification: "y".repeat(280), rule: "z".repeat(2_600) } });
    const records = Array.from({ length: 20 }, (_, i) => long(i + 1));
    const message = auditMessage(records);
    const total = message.blocks.reduce(
      (sum, block) => sum + block.text.text.length + (block.fields ?? []).reduce((n, field) => n + field.text.length, 0),
      0,
    );
    assert.ok(total <= AUDIT_POST_LIMITS.characters, `${total} characters`);
    assert.ok(message.count >= 3 && message.count < 20);
    assert.deepEqual(
      message.blocks.map((block) => block.block_id),
      records.slice(0, message.count).map((r) => `audit-${r.seq}`),
    );
  });
});
