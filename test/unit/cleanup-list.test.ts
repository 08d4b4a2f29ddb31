// Everything the bot makes at start is closed again in reverse: on a failure part way, and at shutdown.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CleanupList } from "../../src/ops/cleanup.js";
import { RecordingLogger } from "../support/in-process-bot.js";

describe("the cleanup list", () => {
  it("closes what was added in reverse, waiting for each before the next", async () => {
    const logger = new RecordingLogger();
    const list = new CleanupList(logger);
    const closed: string[] = [];
    list.add("first", () => closed.push("first"));
    list.add("second", async () => {
      await new Promise((resolve) => setImmediate(resolve));
      closed.push("second");
    });
    list.add("third", () => closed.push("third"));
    await list.closeAll();
    assert.deepEqual(closed, ["third", "second", "first"]);
  });

  it("closes only what was added after a mark, and the rest later", async () => {
    const list = new CleanupList(new RecordingLogger());
    const closed: string[] = [];
    list.add("store", () => closed.push("store"));
    const mark = list.mark();
    list.add("receiver", () => closed.push("receiver"));
    list.add("scheduler", () => closed.push("scheduler"));
    await list.closeDownTo(mark);
    assert.deepEqual(closed, ["scheduler", "receiver"]);
    await list.closeAll();
    assert.deepEqual(closed, ["scheduler", "receiver", "store"]);
  });

  it("logs a close that fails and still closes the rest", async () => {
    const logger = new RecordingLogger();
    const list = new CleanupList(logger);
    const closed: string[] = [];
    list.add("the database", () => closed.push("the database"));
    list.add("the health server", () => Promise.reject(new Error("EBUSY")));
    await list.closeAll();
    assert.deepEqual(closed, ["the database"]);
    assert.deepEqual(
      logger.errors().map((line) => [line.message, line.context]),
      [["closing the health server failed", { err: "EBUSY" }]],
    );
  });

  it("closes everything made so far when the rest of a start fails, then passes the failure on", async () => {
    const list = new CleanupList(new RecordingLogger());
    const closed: string[] = [];
    await assert.rejects(
      list.unlessFails(async () => {
        list.add("aws", () => closed.push("aws"));
        list.add("store", () => closed.push("store"));
        throw new Error("auth.test failed");
      }),
      /auth\.test failed/,
    );
    assert.deepEqual(closed, ["store", "aws"]);
  });
});
