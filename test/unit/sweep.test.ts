// The sweep's queue: revocations ahead of everything, and no re-reading of a backlog it already holds.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Grant, GrantStatus } from "../../src/domain/grant.js";
import { Sweeper, type SweepDeps } from "../../src/scheduler/sweep.js";
import { FakeClock, T0 } from "../support/store-fixtures.js";

/** Grants by the state the sweep reads them in; only their ids matter to it. */
class SweepWorld {
  expired: string[] = [];
  revoking: string[] = [];
  unfinished: string[] = [];
  readonly reads: string[] = [];
  readonly started: string[] = [];
  private readonly finishers = new Map<string, () => void>();

  deps(): SweepDeps {
    const grants = (ids: readonly string[]) => ids.map((id) => ({ id }) as Grant);
    const store = {
      listExpired: async () => {
        this.reads.push("expired");
        return grants(this.expired);
      },
      listByStatus: async (statuses: readonly GrantStatus[]) => {
        this.reads.push(statuses.join("+"));
        return grants(statuses.includes("revoking") ? this.revoking : this.unfinished);
      },
    };
    // As the real steps do, a running step holds the grant's claim.
    const work = { isClaimed: (grantId: string) => this.finishers.has(grantId), due: () => true };
    const logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
    return { clock: new FakeClock(T0), store, work, logger } as unknown as SweepDeps;
  }

  step = (kind: string) => (grantId: string) => {
    this.started.push(`${kind} ${grantId}`);
    return new Promise<void>((resolve) => this.finishers.set(grantId, resolve));
  };

  async finish(grantId: string): Promise<void> {
    this.finishers.get(grantId)?.();
    this.finishers.delete(grantId);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("sweep", () => {
  it("starts an expired grant's revocation before the provisioning already waiting in its queue", async () => {
    const world = new SweepWorld();
    const sweeper = new Sweeper(world.deps(), () => 1, { revoke: world.step("revoke"), resume: world.step("resume") });
    world.unfinished = ["jit-p1", "jit-p2", "jit-p3"];
    await sweeper.sweep();
    assert.deepEqual(world.started, ["resume jit-p1"], "one at a time");

    world.expired = ["jit-e1"];
    world.revoking = ["jit-r1"];
    await sweeper.sweep();
    await world.finish("jit-p1");
    await world.finish("jit-e1");
    await world.finish("jit-r1");
    assert.deepEqual(world.started, ["resume jit-p1", "revoke jit-e1", "revoke jit-r1", "resume jit-p2"]);
    sweeper.stop();
  });

  it("does not read the unfinished grants again while it still holds enough of them to work on", async () => {
    const world = new SweepWorld();
    const sweeper = new Sweeper(world.deps(), () => 2, { revoke: world.step("revoke"), resume: world.step("resume") });
    world.unfinished = ["jit-p1", "jit-p2", "jit-p3", "jit-p4", "jit-p5"];
    await sweeper.sweep();
    assert.equal(world.reads.filter((read) => read === "approved+provisioning").length, 1);

    // Two running, three waiting: more than the two it works on at once.
    await sweeper.sweep();
    assert.equal(world.reads.filter((read) => read === "approved+provisioning").length, 1, "the backlog was not read again");
    assert.equal(world.reads.filter((read) => read === "expired").length, 2, "expiries are read every sweep");

    // Down to one waiting: the next sweep reads again, and skips what it already holds.
    await world.finish("jit-p1");
    await world.finish("jit-p2");
    assert.deepEqual(world.started, ["resume jit-p1", "resume jit-p2", "resume jit-p3", "resume jit-p4"]);
    world.unfinished = ["jit-p3", "jit-p4", "jit-p5", "jit-p6"];
    await sweeper.sweep();
    assert.equal(world.reads.filter((read) => read === "approved+provisioning").length, 2);
    await world.finish("jit-p3");
    await world.finish("jit-p4");
    await world.finish("jit-p5");
    assert.deepEqual(world.started, ["resume jit-p1", "resume jit-p2", "resume jit-p3", "resume jit-p4", "resume jit-p5", "resume jit-p6"]);
    sweeper.stop();
  });
});
