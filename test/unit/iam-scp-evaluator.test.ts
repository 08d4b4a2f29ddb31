// The SCP evaluator the fence tests judge the bot's policies with: IAM's semantics for Deny
// statements, condition operators, multiple keys and values, and a refusal of anything else.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { scpDenies, type ScpRequestContext } from "../support/iam-scp-evaluator.js";

const USER = "9067ab1c-1111-2222-3333-444455556666";
const ROLE = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef";
const FENCED_AT = Date.parse("2026-03-01T12:00:00Z");

function policy(...statements: object[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

function deny(condition: object, extra: object = {}): object {
  return { Sid: "Fence", Effect: "Deny", Action: "*", Resource: "*", Condition: condition, ...extra };
}

const fence = policy(
  deny({
    StringEquals: { "identitystore:userId": USER },
    ArnLike: { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*" },
    DateLessThan: { "aws:TokenIssueTime": "2026-03-01T12:00:00Z" },
  }),
);

const oldSession: ScpRequestContext = {
  "identitystore:userId": USER,
  "aws:PrincipalArn": ROLE,
  "aws:TokenIssueTime": FENCED_AT - 60_000,
};

describe("scpDenies", () => {
  it("denies a session of the fenced user and role issued before the fence", () => {
    assert.equal(scpDenies(fence, oldSession), true);
  });

  it("lets a session issued at or after the fence through (DateLessThan is strict)", () => {
    assert.equal(scpDenies(fence, { ...oldSession, "aws:TokenIssueTime": FENCED_AT }), false);
    assert.equal(scpDenies(fence, { ...oldSession, "aws:TokenIssueTime": FENCED_AT + 1 }), false);
  });

  it("ANDs the operators: another user, or another role, is not denied", () => {
    assert.equal(scpDenies(fence, { ...oldSession, "identitystore:userId": "someone-else" }), false);
    assert.equal(scpDenies(fence, { ...oldSession, "aws:PrincipalArn": ROLE.replace("Admin", "ReadOnly") }), false);
  });

  it("treats a key missing from the request context as a false condition", () => {
    const { "identitystore:userId": _user, ...withoutUser } = oldSession;
    assert.equal(scpDenies(fence, withoutUser), false);
    const { "aws:TokenIssueTime": _time, ...withoutTime } = oldSession;
    assert.equal(scpDenies(fence, withoutTime), false);
  });

  it("holds a negated operator when the value is none of the listed ones, or the key is absent", () => {
    const document = policy(deny({ StringNotEquals: { "identitystore:userId": ["a", USER] } }));
    assert.equal(scpDenies(document, oldSession), false, "a listed user is spared");
    assert.equal(scpDenies(document, { ...oldSession, "identitystore:userId": "c" }), true, "any other user is denied");
    const { "identitystore:userId": _user, ...withoutUser } = oldSession;
    assert.equal(scpDenies(document, withoutUser), true, "a request without the key is denied");
  });

  it("ORs a list of values for one key", () => {
    const document = policy(deny({ StringEquals: { "identitystore:userId": ["a", USER, "b"] } }));
    assert.equal(scpDenies(document, oldSession), true);
    assert.equal(scpDenies(document, { ...oldSession, "identitystore:userId": "c" }), false);
  });

  it("ANDs several keys in one operator", () => {
    const document = policy(deny({ StringLike: { "identitystore:userId": "9067*", "aws:PrincipalArn": "*ReadOnly*" } }));
    assert.equal(scpDenies(document, oldSession), false);
    assert.equal(scpDenies(document, { ...oldSession, "aws:PrincipalArn": ROLE.replace("Admin", "ReadOnly") }), true);
  });

  it("denies when any one statement matches", () => {
    const document = policy(
      deny({ StringEquals: { "identitystore:userId": "other" } }),
      deny({ StringEquals: { "identitystore:userId": USER } }),
    );
    assert.equal(scpDenies(document, oldSession), true);
  });

  it("matches ArnLike within each of the six parts, case-sensitively", () => {
    const arnLike = (pattern: string) => scpDenies(policy(deny({ ArnLike: { "aws:PrincipalArn": pattern } })), oldSession);
    assert.equal(arnLike("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*"), true);
    assert.equal(arnLike("arn:aws:iam::*:role/*/AWSReservedSSO_Admin_????????????????"), true);
    assert.equal(arnLike("arn:aws:iam::*:role/*/AWSReservedSSO_Admin_???????????????"), false);
    assert.equal(arnLike("arn:aws:iam::111122223333:role/*/awsreservedsso_admin_*"), false);
    // `*` in the account part does not reach across the colon into the resource part.
    assert.equal(arnLike("arn:aws:iam::111122223333*:role/*"), true);
    assert.equal(arnLike("arn:aws:iam::*role/*:*"), false);
    assert.equal(arnLike("arn:aws:iam::222233334444:role/*"), false);
  });

  it("treats ArnEquals like ArnLike, as IAM does", () => {
    assert.equal(scpDenies(policy(deny({ ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::*:role/*" } })), oldSession), true);
  });

  it("is case-sensitive in StringEquals and StringLike", () => {
    assert.equal(scpDenies(policy(deny({ StringEquals: { "identitystore:userId": USER.toUpperCase() } })), oldSession), false);
    assert.equal(scpDenies(policy(deny({ StringLike: { "aws:PrincipalArn": "*admin*" } })), oldSession), false);
  });

  it("reads dates as ISO 8601 or epoch seconds", () => {
    const before = (value: string, operator = "DateLessThan") =>
      scpDenies(policy(deny({ [operator]: { "aws:TokenIssueTime": value } })), { "aws:TokenIssueTime": FENCED_AT });
    const seconds = String(FENCED_AT / 1000);
    assert.equal(before(seconds), false);
    assert.equal(before(String(FENCED_AT / 1000 + 1)), true);
    assert.equal(before(seconds, "DateLessThanEquals"), true);
    assert.equal(before(String(FENCED_AT / 1000 - 1), "DateGreaterThan"), true);
    assert.equal(before("2026-03-01T13:00:00+01:00", "DateLessThanEquals"), true);
    assert.equal(before("2026-03-01T12:00:00.001Z"), true);
    assert.equal(before("2026-03-02"), true);
  });

  it("matches the Action element case-insensitively with wildcards", () => {
    const document = policy(deny({ StringEquals: { "identitystore:userId": USER } }, { Action: ["s3:Get*", "ec2:*"] }));
    assert.equal(scpDenies(document, oldSession, "s3:getobject"), true);
    assert.equal(scpDenies(document, oldSession, "ec2:RunInstances"), true);
    assert.equal(scpDenies(document, oldSession, "iam:CreateUser"), false);
  });

  it("never denies through an Allow statement", () => {
    assert.equal(scpDenies(policy({ Effect: "Allow", Action: "*", Resource: "*" }), oldSession), false);
  });

  it("denies everything with an unconditional Deny", () => {
    assert.equal(scpDenies(policy({ Effect: "Deny", Action: "*", Resource: "*" }), {}), true);
  });

  it("throws on what it does not model, so a typo in a policy fails the test", () => {
    const refused: ReadonlyArray<[string, string]> = [
      ["an unknown operator", policy(deny({ StringEqual: { "identitystore:userId": USER } }))],
      ["an ...IfExists operator", policy(deny({ StringEqualsIfExists: { "identitystore:userId": USER } }))],
      ["an unknown condition key", policy(deny({ StringEquals: { "identitystore:userID2": USER } }))],
      ["a number where a string belongs", policy(deny({ DateLessThan: { "aws:TokenIssueTime": 1772366400 } }))],
      ["an empty value list", policy(deny({ StringEquals: { "identitystore:userId": [] } }))],
      ["an operator with no keys", policy(deny({ StringEquals: {} }))],
      ["an unreadable date", policy(deny({ DateLessThan: { "aws:TokenIssueTime": "yesterday" } }))],
      ["a date operator on a string key", policy(deny({ DateLessThan: { "identitystore:userId": "2026-03-01" } }))],
      ["an ARN operator on a non-ARN key", policy(deny({ ArnLike: { "identitystore:userId": "arn:aws:iam::1:role/x" } }))],
      ["an ARN pattern with fewer than six parts", policy(deny({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam:role/*" } }))],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
      ["a policy variable", policy(deny({ StringEquals: { "identitystore:userId": "${aws:userid}" } }))],
      ["a resource other than *", policy(deny({}, { Resource: "arn:aws:s3:::bucket" }))],
      ["NotAction", policy({ Effect: "Deny", NotAction: "*", Resource: "*" })],
      ["a bad Effect", policy({ Effect: "deny", Action: "*", Resource: "*" })],
      ["no statements", JSON.stringify({ Version: "2012-10-17", Statement: [] })],
      ["malformed JSON", "{"],
    ];
    for (const [what, document] of refused) {
      assert.throws(() => scpDenies(document, oldSession), Error, what);
    }
  });

  it("throws on a bad condition even in a statement that would not match", () => {
    const document = policy(deny({ StringEquals: { "identitystore:userId": "other" }, Bogus: { x: "y" } }));
    assert.throws(() => scpDenies(document, oldSession), /Unsupported condition operator Bogus/);
  });
});
