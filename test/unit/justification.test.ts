// A justification is a real, bounded reason, stored with its whitespace tidied.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidInput } from "../../src/domain/errors.js";
import { MAX_JUSTIFICATION_LENGTH, normalizeJustification, plainText, visibleLength } from "../../src/domain/justification.js";

describe("normalizeJustification", () => {
  it("keeps a plain reason as it is", () => {
    assert.equal(normalizeJustification("incident INC-4711: payments are down"), "incident INC-4711: payments are down");
  });

  it("trims the ends and collapses every run of whitespace, newlines and tabs included, to one space", () => {
    assert.equal(normalizeJustification("  fix\tthe\n\n  outage \r\n now  "), "fix the outage now");
  });

  it("collapses non-breaking spaces too", () => {
    assert.equal(normalizeJustification("a\u00a0\u00a0b"), "a b");
  });

  it("keeps Slack control characters as typed; escaping is the Slack layer's job", () => {
    assert.equal(normalizeJustification("ping <!channel> & <@U123>"), "ping <!channel> & <@U123>");
  });

  for (const blank of ["", " ", "\n\t  \r\n"]) {
    it(`refuses the blank justification ${JSON.stringify(blank)}`, () => {
      assert.throws(
        () => normalizeJustification(blank),
        (error: unknown) => {
          assert.ok(error instanceof InvalidInput);
          assert.equal(error.message, "A justification is required: say why you need this access.");
          return true;
        },
      );
    });
  }

  it("allows up to 1000 characters", () => {
    assert.equal(MAX_JUSTIFICATION_LENGTH, 1000);
    const longest = "x".repeat(1000);
    assert.equal(normalizeJustification(longest), longest);
  });

  it("refuses 1001 characters, saying how long it was", () => {
    assert.throws(
      () => normalizeJustification("x".repeat(1001)),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInput);
        assert.match(error.message, /is 1001 characters long/);
        return true;
      },
    );
  });

  it("measures the length after collapsing whitespace", () => {
    const padded = `  ${"word  ".repeat(200)}  `;
    assert.ok(padded.length > 1000);
    assert.equal(normalizeJustification(padded).length, 999);
  });

  it("turns control characters into spaces: NUL, bell, escape and DEL mean nothing in a reason", () => {
    assert.equal(normalizeJustification("db\u0000failover\u0007 \u001b[31mnow\u007f"), "db failover [31mnow");
    assert.throws(() => normalizeJustification("\u0000\u0001\u0002"), InvalidInput);
  });

  it("drops format characters: zero-width spaces and joiners, bidi overrides, soft hyphens", () => {
    assert.equal(normalizeJustification("ad\u200bmin \u202eoverride\u202c now\u00ad\u2066!\u2069\ufeff"), "admin override now!");
  });

  for (const [what, blank] of [
    ["twenty zero-width spaces", "\u200b".repeat(20)],
    ["bidi controls", "\u202e\u202d\u2067"],
    ["Hangul fillers", "\u3164\u3164"],
    ["a blank Braille pattern", "\u2800"],
  ] as const) {
    it(`refuses ${what} as no justification at all`, () => {
      assert.throws(() => normalizeJustification(blank), { message: "A justification is required: say why you need this access." });
    });
  }
});

describe("plainText", () => {
  it("drops format characters before collapsing whitespace", () => {
    assert.equal(plainText(" a \u200b b\u200d "), "a b");
  });
});

describe("visibleLength", () => {
  it("counts what a reader sees: not spaces, not invisible characters, not marks on another character", () => {
    assert.equal(visibleLength("fix outage"), 9);
    assert.equal(visibleLength("\u200b".repeat(20)), 0);
    assert.equal(visibleLength(`a${" ".repeat(20)}b`), 2);
    assert.equal(visibleLength("e\u0301\u0301\u0301"), 1);
    assert.equal(visibleLength("👍🏽 1\ufe0f\u20e3"), 2);
    assert.equal(visibleLength("\u3164\u2800\u115f"), 0);
  });

  it("counts 100 KB at once", () => {
    assert.equal(visibleLength("because ".repeat(12_800)), 7 * 12_800);
  });
});
