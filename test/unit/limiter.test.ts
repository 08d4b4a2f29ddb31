// The rate limiter that keeps us under Identity Center's quota, and the semaphore for creations.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { RateLimiter, type Priority } from "../../src/aws/limiter.js";

describe("RateLimiter", () => {
  it("runs the task and passes on its result or its rejection", async () => {
    const limiter = new RateLimiter(20);
    assert.equal(await limiter.run("normal", async () => 42), 42);
    await assert.rejects(
      limiter.run("revoke", async () => Promise.reject(new Error("AccessDenied"))),
      /AccessDenied/,
    );
  });

  it("starts a full burst at once, then no more than the rate allows", async () => {
    const rate = 20;
    const burst = 3;
    const limiter = new RateLimiter(rate, burst);
    const starts: number[] = [];
    const began = Date.now();
    const tasks = Array.from({ length: 12 }, () =>
      limiter.run("normal", async () => {
        starts.push(Date.now());
      }),
    );
    await nextTurn();
    assert.equal(starts.length, burst, "the burst starts at once");
    assert.equal(limiter.queued, 12 - burst);

    await sleep(300);
    const elapsed = Date.now() - began;
    const started = starts.length;
    assert.ok(started <= burst + Math.floor((rate * elapsed) / 1000) + 1, `${started} started in ${elapsed} ms`);
    assert.ok(started >= burst + 2, `only ${started} started in ${elapsed} ms`);

    await Promise.all(tasks);
    assert.equal(limiter.queued, 0);
    // Over any stretch of time, starts never exceed burst + rate × stretch (one start of slack for timer jitter).
    for (let i = 0; i < starts.length; i += 1) {
      for (let j = i; j < starts.length; j += 1) {
        const stretch = (starts[j] ?? 0) - (starts[i] ?? 0);
        const count = j - i + 1;
        assert.ok(count <= burst + (rate * stretch) / 1000 + 1, `${count} starts within ${stretch} ms`);
      }
    }
  });

  it("defaults the burst to half a second's worth of calls", async () => {
    const limiter = new RateLimiter(5);
    let started = 0;
    const tasks = Array.from({ length: 6 }, () => limiter.run("normal", async () => void (started += 1)));
    await nextTurn();
    assert.equal(started, 3);
    assert.equal(limiter.queued, 3);
    await Promise.all(tasks);
    assert.equal(started, 6);
  });

  it("slows down from the moment its rate is lowered, with a burst to match", async () => {
    const limiter = new RateLimiter(40);
    limiter.setRate(10);
    assert.equal(limiter.rate, 10);
    const starts: number[] = [];
    const began = Date.now();
    const tasks = Array.from({ length: 8 }, () => limiter.run("normal", async () => void starts.push(Date.now() - began)));
    await nextTurn();
    assert.equal(starts.length, 5, "the burst shrank from 20 to 5");
    await Promise.all(tasks);
    // Three more at 10/s need at least ~300 ms; at the old 40/s they would have taken 75 ms.
    assert.ok((starts.at(-1) ?? 0) >= 250, `the last started after ${starts.at(-1)} ms`);
  });

  it("starts waiting revocations first, then creations holding a slot, then other work, each in arrival order", async () => {
    const limiter = new RateLimiter(50, 1);
    const order: string[] = [];
    const enqueue = (priority: Priority, name: string) => limiter.run(priority, async () => void order.push(name));
    const all = [
      enqueue("normal", "n0"),
      enqueue("normal", "n1"),
      enqueue("slotted", "c1"),
      enqueue("revoke", "r1"),
      enqueue("normal", "n2"),
      enqueue("slotted", "c2"),
      enqueue("revoke", "r2"),
    ];
    await nextTurn();
    assert.deepEqual(order, ["n0"]);
    await Promise.all(all);
    assert.deepEqual(order, ["n0", "r1", "r2", "c1", "c2", "n1", "n2"]);
  });

  it("keeps revocations to the same rate as everything else", async () => {
    const limiter = new RateLimiter(20, 1);
    let started = 0;
    const tasks = Array.from({ length: 4 }, () => limiter.run("revoke", async () => void (started += 1)));
    await nextTurn();
    assert.equal(started, 1);
    await Promise.all(tasks);
    assert.equal(started, 4);
  });

  it("rejects a waiting task that throws synchronously, and keeps draining the queue", async () => {
    const limiter = new RateLimiter(50, 1);
    const first = limiter.run("normal", async () => "first");
    const throwing = limiter.run("normal", (): Promise<string> => {
      throw new Error("bad input");
    });
    const after = limiter.run("normal", async () => "after");
    const settled = await Promise.race([Promise.allSettled([first, throwing, after]), sleep(300).then(() => "stuck")]);
    assert.notEqual(settled, "stuck");
    assert.deepEqual(
      (settled as PromiseSettledResult<string>[]).map((outcome) => outcome.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
  });
});

describe("RateLimiter's ceiling", () => {
  it("never starts more calls than the rate within any sliding second, burst included", async () => {
    const rate = 20;
    const limiter = new RateLimiter(rate);
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 50 }, () => limiter.run("normal", async () => void starts.push(Date.now()))));
    // The task reads the clock a moment after the limiter did; 2 ms of the window are that slack.
    for (const first of starts) {
      const inWindow = starts.filter((t) => t >= first && t < first + 1008).length;
      assert.ok(inWindow <= rate, `${inWindow} starts within one second and a margin`);
    }
    // The ceiling costs no throughput: 50 calls at 20/s take about 50 / 20 s less the burst, never much longer.
    const span = (starts.at(-1) ?? 0) - (starts[0] ?? 0);
    assert.ok(span < 2_600, `50 calls took ${Math.round(span)} ms`);
  });

  it("starts calls at half the rate at once, one after another as an approval's go", async () => {
    const limiter = new RateLimiter(20, 20);
    const began = performance.now();
    for (let i = 0; i < 14; i += 1) await limiter.run("normal", async () => undefined);
    const took = performance.now() - began;
    assert.ok(took < 100, `14 calls one after another took ${Math.round(took)} ms`);
  });

  it("rounds a fractional share down, so replicas' shares never add up past the quota", async () => {
    const limiter = new RateLimiter(20);
    limiter.setRate(20 / 3);
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 14 }, () => limiter.run("normal", async () => void starts.push(Date.now()))));
    for (const first of starts) {
      const inWindow = starts.filter((t) => t >= first && t < first + 998).length;
      assert.ok(inWindow <= 6, `${inWindow} starts within one second at a share of 6.67/s`);
    }
  });
});

describe("RateLimiter priorities", () => {
  it("starts status follow-ups first, then revocations, then everything else", async () => {
    const limiter = new RateLimiter(20, 1);
    const order: string[] = [];
    const run = (priority: Priority, name: string) => limiter.run(priority, async () => void order.push(name));
    const blocker = run("normal", "first"); // takes the only token
    const queued = [run("normal", "new grant"), run("revoke", "revocation"), run("follow-up", "status poll")];
    await Promise.all([blocker, ...queued]);
    assert.deepEqual(order, ["first", "status poll", "revocation", "new grant"]);
  });
});
