// The budget of assignment creations outstanding, shared through the database's leases by every
// process creating assignments (replicas, jit-admin), on the engine this leg of the suite runs.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { ProviderError } from "../../src/domain/errors.js";
import { LeasedCreationBudget } from "../../src/services/creation-budget.js";
import type { Leases } from "../../src/services/ports.js";
import { LEASE_TTL_MS } from "../../src/services/work-tracker.js";
import { eventually } from "../support/flows.js";
import { legBackend, LEG_ENGINE } from "../support/leg-backend.js";
import { FakeClock, T0 } from "../support/store-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "jit-creation-budget-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const POLL_MS = 5;

function budget(leases: Leases, holder: string, clock: FakeClock, slots = 3): LeasedCreationBudget {
  return new LeasedCreationBudget({ leases, holder, clock, slots, pollMs: POLL_MS });
}

/** Whether the promise has settled within many polls (a loaded machine's database needs the time). */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  return Promise.race([promise.then(() => true), sleep(POLL_MS * 60).then(() => false)]);
}

describe(`the creation budget (${LEG_ENGINE})`, () => {
  it("never lets the processes sharing it hold more slots together than the quota", async (t) => {
    const { leases } = await legBackend(t, dir);
    const clock = new FakeClock(T0);
    const replicas = ["bot:a", "bot:b", "bot:c"].map((holder) => budget(leases, holder, clock));
    let outstanding = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const release = await replicas[i % 3]?.acquire();
        assert.ok(release);
        outstanding += 1;
        peak = Math.max(peak, outstanding);
        await sleep(150);
        outstanding -= 1;
        release();
      }),
    );
    assert.equal(peak, 3);
    await eventually(async () => (await leases.countLive("creation-slot:", clock.now())) === 0, 5_000, "every slot given back");
  });

  it("makes a creation wait while another process holds every slot, and starts it once one is given back", async (t) => {
    const { leases } = await legBackend(t, dir);
    const clock = new FakeClock(T0);
    const first = budget(leases, "bot:a", clock, 2);
    const second = budget(leases, "bot:b", clock, 2);
    const held = [await first.acquire(), await first.acquire()];
    const waiting = second.acquire();
    assert.equal(await settledSoon(waiting), false, "both slots are the other process's");
    held[0]?.();
    assert.equal(await settledSoon(waiting), true);
    assert.equal(second.held, 1);
  });

  it("gives a process's slots to the others once their leases lapse (the process died)", async (t) => {
    const { leases } = await legBackend(t, dir);
    const clock = new FakeClock(T0);
    const dead = budget(leases, "bot:dead", clock, 1);
    await dead.acquire();
    const alive = budget(leases, "bot:alive", clock, 1);
    const waiting = alive.acquire();
    assert.equal(await settledSoon(waiting), false);
    clock.advance(LEASE_TTL_MS + 1);
    assert.equal(await settledSoon(waiting), true);
  });

  it("serves the creations waiting in one process in the order they asked", async (t) => {
    const { leases } = await legBackend(t, dir);
    const clock = new FakeClock(T0);
    const only = budget(leases, "bot", clock, 1);
    const release = await only.acquire();
    const order: string[] = [];
    const a = only.acquire().then((r) => {
      order.push("a");
      return r;
    });
    const b = only.acquire().then((r) => {
      order.push("b");
      return r;
    });
    await nextTurn();
    release();
    (await a)();
    (await b)();
    assert.deepEqual(order, ["a", "b"]);
  });

  it("counts a slot given back twice once, and skips the slots it holds itself (a holder's own lease is only extended)", async (t) => {
    const { leases } = await legBackend(t, dir);
    const clock = new FakeClock(T0);
    const only = budget(leases, "bot", clock, 2);
    const first = await only.acquire();
    await only.acquire();
    const third = only.acquire();
    assert.equal(await settledSoon(third), false, "the same holder may not take its own slot twice");
    first();
    first();
    assert.equal(await settledSoon(third), true);
    const fourth = only.acquire();
    assert.equal(await settledSoon(fourth), false, "a second release made no room");
  });

  it("refuses the waiting creations with a retryable ProviderError when the leases cannot be read", async () => {
    const broken: Leases = {
      acquire: () => Promise.reject(new Error("connection refused")),
      renewAll: () => Promise.resolve(),
      countLive: () => Promise.reject(new Error("connection refused")),
      release: () => Promise.resolve(),
    };
    const failing = budget(broken, "bot", new FakeClock(T0));
    await assert.rejects(failing.acquire(), (error: unknown) => error instanceof ProviderError && error.retryable);
  });
});
