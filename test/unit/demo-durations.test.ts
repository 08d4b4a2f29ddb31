// Durations in seconds are the demo's alone: refused until the demo's switch is on, and nothing
// outside src/demo/ turns it on (each test file runs in a process of its own, so this one may).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { allowSecondDurationsForDemo, formatDuration, parseDuration } from "../../src/domain/duration.js";
import { InvalidInput } from "../../src/domain/errors.js";
import { durationWords } from "../../src/slack/views/parts.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

describe("durations in seconds", () => {
  it("are refused, and nothing is shown in seconds, while the demo's switch is off", () => {
    assert.throws(() => parseDuration("20s"), InvalidInput);
    assert.throws(() => parseDuration("1m30s"), InvalidInput);
    assert.equal(formatDuration(90_000), "2m");
  });

  it("are switched on only by the demo's entry point", () => {
    const callers = sourceFiles("src").filter(
      (file) => !file.endsWith(join("domain", "duration.ts")) && readFileSync(file, "utf8").includes("allowSecondDurationsForDemo()"),
    );
    assert.deepEqual(callers, [join("src", "demo", "main.ts")]);
  });

  it("once the demo switches them on, are read and shown in seconds", () => {
    allowSecondDurationsForDemo();
    assert.equal(parseDuration("20s"), 20_000);
    assert.equal(parseDuration("1m30s"), 90_000);
    assert.equal(formatDuration(20_000), "20s");
    assert.equal(formatDuration(90_000), "1m30s");
    assert.equal(formatDuration(2 * 60_000), "2m");
    assert.equal(durationWords(90_000), "1 minute 30 seconds");
    assert.throws(() => parseDuration("0s"), InvalidInput);
  });
});
