// Work in progress that shutdown waits for, up to a deadline.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InFlight } from "../../src/ops/in-flight.js";

const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("InFlight", () => {
  it("counts work until it settles, whether it succeeds or fails", async () => {
    const inFlight = new InFlight();
    const ok = inFlight.track(after(10));
    const failing = inFlight.track(after(5).then(() => Promise.reject(new Error("boom"))));
    assert.equal(inFlight.size, 2);
    await ok;
    await assert.rejects(failing, /boom/);
    assert.equal(inFlight.size, 0);
  });

  it("resolves true at once when nothing is in progress", async () => {
    assert.equal(await new InFlight().settled(1_000), true);
  });

  it("waits for work started while it waits", async () => {
    const inFlight = new InFlight();
    let second = false;
    inFlight.track(after(20).then(() => void inFlight.track(after(20).then(() => (second = true)))));
    assert.equal(await inFlight.settled(1_000), true);
    assert.ok(second);
  });

  it("resolves false at the deadline when work is still running", async () => {
    const inFlight = new InFlight();
    inFlight.track(new Promise(() => undefined));
    const started = Date.now();
    assert.equal(await inFlight.settled(50), false);
    assert.ok(Date.now() - started < 500);
    assert.equal(inFlight.size, 1);
  });
});
