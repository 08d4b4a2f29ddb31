// Durations as people type them, and as the bot prints them back.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { formatDuration, parseDuration, parseIsoDuration } from "../../src/domain/duration.js";
import { InvalidInput } from "../../src/domain/errors.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("parseDuration", () => {
  const accepted: ReadonlyArray<[string, number]> = [
    ["30m", 30 * MINUTE],
    ["1m", MINUTE],
    ["2h", 2 * HOUR],
    ["1h30m", HOUR + 30 * MINUTE],
    ["1d", DAY],
    ["1d2h3m", DAY + 2 * HOUR + 3 * MINUTE],
    ["90m", 90 * MINUTE],
    ["25h", 25 * HOUR],
    ["0h5m", 5 * MINUTE],
  ];
  for (const [text, ms] of accepted) {
    it(`reads "${text}" as ${ms} ms`, () => {
      assert.equal(parseDuration(text), ms);
    });
  }

  it("ignores surrounding whitespace and letter case", () => {
    assert.equal(parseDuration(" 2H "), 2 * HOUR);
    assert.equal(parseDuration("\t1D2H\n"), DAY + 2 * HOUR);
  });

  const malformed = ["", "   ", "abc", "-1h", "1.5h", "30", "1h30", "m", "h", "2w", "1m1h", "h1", "+1h"];
  for (const text of malformed) {
    it(`refuses ${JSON.stringify(text)} as not a duration`, () => {
      assert.throws(
        () => parseDuration(text),
        (error: unknown) => {
          assert.ok(error instanceof InvalidInput);
          assert.match(error.message, /is not a duration/);
          return true;
        },
      );
    });
  }

  it('refuses "1h 30m": units must be written without spaces between them', () => {
    assert.throws(() => parseDuration("1h 30m"), InvalidInput);
  });

  for (const text of ["0m", "0h0m", "0d", "00m", "0d0h0m"]) {
    it(`refuses the zero duration "${text}"`, () => {
      assert.throws(
        () => parseDuration(text),
        (error: unknown) => {
          assert.ok(error instanceof InvalidInput);
          assert.match(error.message, /longer than zero/);
          return true;
        },
      );
    });
  }

  it("quotes the text as typed in its error message", () => {
    assert.throws(() => parseDuration(" nonsense "), { message: /" nonsense "/ });
  });

  it("accepts the largest value each unit allows, and stays an exact integer", () => {
    const ms = parseDuration("9999d99999h999999m");
    assert.equal(ms, 9999 * DAY + 99999 * HOUR + 999999 * MINUTE);
    assert.ok(Number.isSafeInteger(ms));
  });

  it("refuses more than 4 digits of days, 5 of hours or 6 of minutes", () => {
    assert.throws(() => parseDuration("10000d"), InvalidInput);
    assert.throws(() => parseDuration("100000h"), InvalidInput);
    assert.throws(() => parseDuration("1000000m"), InvalidInput);
    assert.throws(() => parseDuration("99999999999999999999m"), InvalidInput);
  });
});

describe("formatDuration", () => {
  const cases: ReadonlyArray<[number, string]> = [
    [MINUTE, "1m"],
    [45 * MINUTE, "45m"],
    [HOUR, "1h"],
    [HOUR + 30 * MINUTE, "1h30m"],
    [DAY, "1d"],
    [2 * DAY + 4 * HOUR, "2d4h"],
    [DAY + 5 * MINUTE, "1d5m"],
    [DAY + HOUR + MINUTE, "1d1h1m"],
    [0, "0m"],
  ];
  for (const [ms, text] of cases) {
    it(`renders ${ms} ms as "${text}"`, () => {
      assert.equal(formatDuration(ms), text);
    });
  }

  it("rounds to the nearest whole minute", () => {
    assert.equal(formatDuration(29_999), "0m");
    assert.equal(formatDuration(30_000), "1m");
    assert.equal(formatDuration(HOUR - 1), "1h");
  });

  it("gives back the canonical form of what was parsed", () => {
    assert.equal(formatDuration(parseDuration("90m")), "1h30m");
    assert.equal(formatDuration(parseDuration("24h")), "1d");
    assert.equal(formatDuration(parseDuration("0d2h0m")), "2h");
  });

  it("round trips every whole-minute duration through parseDuration once its spaces are removed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 * 24 * 60 }), (minutes) => {
        const ms = minutes * MINUTE;
        const text = formatDuration(ms);
        assert.equal(parseDuration(text.replace(/ /g, "")), ms);
      }),
    );
  });

  it("round trips every accepted duration text to the same number of milliseconds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 5000 }), (d, h, m) => {
        fc.pre(d + h + m > 0);
        const ms = parseDuration(`${d}d${h}h${m}m`);
        assert.equal(parseDuration(formatDuration(ms)), ms);
      }),
    );
  });
});

describe("parseIsoDuration", () => {
  const accepted: ReadonlyArray<[string, number]> = [
    ["PT1H", HOUR],
    ["PT8H", 8 * HOUR],
    ["PT12H", 12 * HOUR],
    ["PT1H30M", HOUR + 30 * MINUTE],
    ["PT90M", 90 * MINUTE],
    ["PT3600S", HOUR],
    ["PT0.5S", 500],
    ["P1D", DAY],
    ["P1DT2H", DAY + 2 * HOUR],
    ["P1W", 7 * DAY],
  ];
  for (const [text, ms] of accepted) {
    it(`reads "${text}" as ${ms} ms`, () => {
      assert.equal(parseIsoDuration(text), ms);
    });
  }

  // Years and months have no fixed length; the rest is not ISO 8601 or is no time at all.
  const refused = ["", "P", "PT", "P1DT", "PT1H30", "pt1h", "PT-1H", "-PT1H", "P1Y", "P1M", "PT1.5H", "1h", "PT0S", "P0D", " PT1H"];
  for (const text of refused) {
    it(`refuses "${text}"`, () => {
      assert.throws(() => parseIsoDuration(text), InvalidInput);
    });
  }
});
