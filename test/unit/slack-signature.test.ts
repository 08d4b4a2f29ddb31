// Slack's request signature, checked once per request with the five-minute window both ways.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { checkSignature } from "../../src/slack/transport/signature.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const NOW_MS = 1_764_000_000_000;
const NOW = NOW_MS / 1000;
const BODY = "command=%2Fjit&text=help&user_id=U0ALICE";

function sign(timestamp: string, body = BODY, secret = SECRET): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

function check(timestamp: unknown, signature: unknown, body = BODY) {
  return checkSignature(SECRET, { timestamp, signature }, body, NOW_MS);
}

describe("Slack request signatures", () => {
  it("accepts a body signed with the secret at a timestamp inside the window, either side of now", () => {
    for (const offset of [0, -300, 300, -1, 1]) {
      const timestamp = String(NOW + offset);
      assert.deepEqual(
        check(timestamp, sign(timestamp)),
        { ok: true, signature: sign(timestamp), timestamp: NOW + offset },
        `offset ${offset}`,
      );
    }
  });

  it("refuses a timestamp more than five minutes from now, stale or pre-dated", () => {
    for (const offset of [-301, 301, -86_400, 86_400 * 365]) {
      const timestamp = String(NOW + offset);
      assert.deepEqual(
        check(timestamp, sign(timestamp)),
        { ok: false, problem: "the timestamp is more than five minutes away from now" },
        `offset ${offset}`,
      );
    }
  });

  it("refuses timestamps that are not whole seconds, even when the signature covers them", () => {
    for (const timestamp of [
      "Infinity",
      "-Infinity",
      "NaN",
      "",
      " 1764000000",
      "1764000000.5",
      "+1764000000",
      "1.764e9",
      "0x6921b300",
      "-5",
      "1764000000 ",
    ]) {
      assert.deepEqual(
        check(timestamp, sign(timestamp)),
        { ok: false, problem: "the timestamp is not whole seconds since the epoch" },
        JSON.stringify(timestamp),
      );
    }
  });

  it("refuses a signature made with another secret, over another body or another timestamp", () => {
    const timestamp = String(NOW);
    const mismatch = { ok: false, problem: "the signature does not match the body" };
    assert.deepEqual(check(timestamp, sign(timestamp, BODY, "another secret")), mismatch);
    assert.deepEqual(check(timestamp, sign(timestamp), `${BODY}&text=list`), mismatch);
    assert.deepEqual(check(timestamp, sign(String(NOW - 1))), mismatch);
  });

  it("refuses signatures of any other form without comparing them", () => {
    const timestamp = String(NOW);
    const good = sign(timestamp);
    for (const signature of [
      good.toUpperCase(),
      good.replace("v0=", "v1="),
      good.slice(0, -2),
      `${good}00`,
      good.slice(3),
      "v0=",
      `v0=${"z".repeat(64)}`,
    ]) {
      assert.deepEqual(check(timestamp, signature), { ok: false, problem: "the signature is not v0= and 64 hex digits" }, signature);
    }
  });

  it("refuses a request without both headers, or with a header repeated", () => {
    const timestamp = String(NOW);
    const missing = { ok: false, problem: "no signature or timestamp header" };
    assert.deepEqual(check(undefined, sign(timestamp)), missing);
    assert.deepEqual(check(timestamp, undefined), missing);
    assert.deepEqual(check([timestamp, timestamp], sign(timestamp)), missing);
    assert.deepEqual(check(timestamp, [sign(timestamp), sign(timestamp)]), missing);
  });
});
