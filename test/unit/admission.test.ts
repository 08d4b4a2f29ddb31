// The bound on acknowledged, unfinished work: slots, waiting in line, refusal after the wait.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Admission, type Release } from "../../src/slack/transport/admission.js";

const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function admitted(release: Release | undefined): Release {
  assert.ok(release, "expected a slot");
  return release;
}

describe("Admission", () => {
  it("admits up to the limit at once, then makes the next wait for a slot", async () => {
    const admission = new Admission(2, 1_000);
    const first = admitted(await admission.enter());
    admitted(await admission.enter());
    assert.equal(admission.inProgress, 2);
    let third: Release | undefined;
    const waiting = admission.enter().then((release) => (third = release));
    await after(20);
    assert.equal(third, undefined, "the third must wait while both slots are taken");
    first();
    await waiting;
    assert.ok(third, "a released slot goes to the one waiting");
    assert.equal(admission.inProgress, 2);
  });

  it("refuses one that waited past the wait, and it leaves the line", async () => {
    const admission = new Admission(1, 30);
    const first = admitted(await admission.enter());
    const started = performance.now();
    assert.equal(await admission.enter(), undefined);
    assert.ok(performance.now() - started >= 25, "refused only after waiting");
    first();
    assert.equal(admission.inProgress, 0, "a refused waiter must not take the freed slot");
    admitted(await admission.enter());
  });

  it("serves those waiting in the order they came, and a newcomer does not overtake them", async () => {
    const admission = new Admission(1, 1_000);
    const first = admitted(await admission.enter());
    const order: string[] = [];
    const a = admission.enter().then((release) => {
      order.push("a");
      return admitted(release);
    });
    const b = admission.enter().then((release) => {
      order.push("b");
      return admitted(release);
    });
    first();
    const releaseA = await a;
    const late = admission.enter().then((release) => {
      order.push("late");
      return admitted(release);
    });
    releaseA();
    (await b)();
    (await late)();
    assert.deepEqual(order, ["a", "b", "late"]);
    assert.equal(admission.inProgress, 0);
  });

  it("counts a release once however often it is called", async () => {
    const admission = new Admission(2, 1_000);
    const first = admitted(await admission.enter());
    admitted(await admission.enter());
    first();
    first();
    assert.equal(admission.inProgress, 1);
  });

  it("refuses a limit that admits nothing", () => {
    assert.throws(() => new Admission(0, 1_000), /above 0/);
    assert.throws(() => new Admission(1.5, 1_000), /whole number/);
  });
});
