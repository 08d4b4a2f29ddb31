import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Clock } from "../../src/domain/clock.js";
import { ProviderError } from "../../src/domain/errors.js";
import {
  BACKLOG_ROUND_SPACING,
  OperationConfirmer,
  type ListedStatus,
  type OperationStatusSource,
  type OperationStatusValue,
  type RoundPacing,
} from "../../src/aws/operation-confirmer.js";
import type { AssignmentChange } from "../../src/services/ports.js";

/** A status source over a table of operations, recording every call it answers. */
class TableSource implements OperationStatusSource {
  readonly calls: string[] = [];
  readonly statuses = new Map<string, OperationStatusValue>();
  readonly reasons = new Map<string, string>();
  /** Request ids that the listing leaves out, as a listing that has not caught up or has dropped them. */
  readonly unlisted = new Set<string>();
  pageSize = 100;
  listError: unknown;

  async list(kind: AssignmentChange, nextToken: string | undefined) {
    this.calls.push(`list ${kind} ${nextToken ?? "first"}`);
    if (this.listError) throw this.listError;
    const listed: ListedStatus[] = [...this.statuses]
      .filter(([requestId]) => !this.unlisted.has(requestId))
      .map(([requestId, status]) => ({ requestId, status }));
    const offset = Number(nextToken ?? 0);
    const end = offset + this.pageSize;
    return { statuses: listed.slice(offset, end), nextToken: end < listed.length ? String(end) : undefined };
  }

  async describe(kind: AssignmentChange, requestId: string) {
    this.calls.push(`describe ${kind} ${requestId}`);
    const status = this.statuses.get(requestId);
    return status && { status, failureReason: this.reasons.get(requestId) };
  }

  count(prefix: string): number {
    return this.calls.filter((call) => call.startsWith(prefix)).length;
  }
}

const clock = (): Clock & { at: number } => {
  const c = { at: 0, now: () => c.at };
  return c;
};

function confirmer(source: OperationStatusSource, at = clock(), operationTimeoutMs = 60_000): OperationConfirmer {
  return new OperationConfirmer(source, { pollIntervalMs: 1, operationTimeoutMs }, at);
}

describe("OperationConfirmer", () => {
  it("confirms a batch with one listing, and describes only the FAILED one in the middle of it for its reason", async () => {
    const source = new TableSource();
    for (let i = 0; i < 50; i += 1) source.statuses.set(`op-${i}`, i === 25 ? "FAILED" : "SUCCEEDED");
    source.reasons.set("op-25", "The permission set is being provisioned in the account");
    const confirming = confirmer(source);
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => confirming.confirm("delete", `op-${i}`)));
    assert.deepEqual(outcomes[25], { ok: false, reason: "The permission set is being provisioned in the account" });
    assert.equal(outcomes.filter((o) => o.ok).length, 49);
    assert.deepEqual(source.calls, ["list delete first", "describe delete op-25"]);
  });

  it("asks with one describe about an operation the listing leaves out, never taking it as succeeded", async () => {
    const source = new TableSource();
    source.statuses.set("listed", "SUCCEEDED");
    source.statuses.set("missing", "FAILED");
    source.reasons.set("missing", "Principal not found");
    source.unlisted.add("missing");
    const confirming = confirmer(source);
    const [listed, missing] = await Promise.all([confirming.confirm("delete", "listed"), confirming.confirm("delete", "missing")]);
    assert.deepEqual(listed, { ok: true });
    assert.deepEqual(missing, { ok: false, reason: "Principal not found" });
    assert.deepEqual(source.calls, ["list delete first", "describe delete missing"]);
  });

  it("pages on while waiters are left, and keeps waiting for one still IN_PROGRESS", async () => {
    const source = new TableSource();
    source.pageSize = 2;
    for (let i = 0; i < 8; i += 1) source.statuses.set(`op-${i}`, i === 6 ? "IN_PROGRESS" : "SUCCEEDED");
    const confirming = confirmer(source);
    const waiting = Array.from({ length: 8 }, (_, i) => confirming.confirm("create", `op-${i}`));
    const settledEarly = await Promise.all(waiting.filter((_, i) => i !== 6));
    assert.equal(settledEarly.filter((o) => o.ok).length, 7);
    assert.deepEqual(source.calls.slice(0, 3), ["list create first", "list create 2", "list create 4"]);
    source.statuses.set("op-6", "SUCCEEDED");
    assert.deepEqual(await waiting[6], { ok: true });
    assert.ok(source.count("list create first") >= 2, "op-6 was looked for again in a later round");
  });

  it("stops paging once pages outnumber the waiters left, and describes them instead", async () => {
    const source = new TableSource();
    source.pageSize = 1;
    for (let i = 0; i < 20; i += 1) source.statuses.set(`op-${i}`, "SUCCEEDED");
    const outcome = await confirmer(source).confirm("delete", "op-19");
    assert.deepEqual(outcome, { ok: true });
    assert.deepEqual(source.calls, ["list delete first", "describe delete op-19"]);
  });

  it("rejects every waiter of a round whose listing fails after the retries, and a later operation is confirmed afresh", async () => {
    const source = new TableSource();
    source.statuses.set("a", "SUCCEEDED");
    source.statuses.set("b", "SUCCEEDED");
    source.listError = new ProviderError("Rate exceeded", "ThrottlingException", true);
    const confirming = confirmer(source);
    const results = await Promise.allSettled([confirming.confirm("delete", "a"), confirming.confirm("delete", "b")]);
    for (const result of results) {
      assert.equal(result.status, "rejected");
      assert.equal((result as PromiseRejectedResult).reason.code, "ThrottlingException");
    }
    source.listError = undefined;
    assert.deepEqual(await confirming.confirm("delete", "a"), { ok: true });
  });

  it("gives up on an operation still IN_PROGRESS at its deadline with a retryable OperationTimeout", async () => {
    const source = new TableSource();
    source.statuses.set("slow", "IN_PROGRESS");
    const at = clock();
    const waiting = confirmer(source, at, 1000).confirm("create", "slow");
    at.at = 1000;
    await assert.rejects(
      waiting,
      (error: unknown) => error instanceof ProviderError && error.code === "OperationTimeout" && error.retryable,
    );
  });

  it("confirms creations and deletions in their own listings", async () => {
    const source = new TableSource();
    source.statuses.set("x", "SUCCEEDED");
    const confirming = confirmer(source);
    await Promise.all([confirming.confirm("create", "x"), confirming.confirm("delete", "x")]);
    assert.deepEqual(source.calls.sort(), ["list create first", "list delete first"]);
  });
});

const elapsed = (since: number) => performance.now() - since;

describe("OperationConfirmer's pacing", () => {
  it("spaces deletion rounds out while deletions wait in the rate limiter, and looks again soon once they are gone", async () => {
    const source = new TableSource();
    source.statuses.set("d", "IN_PROGRESS");
    const pacing = { backlog: true, backlogged: () => pacing.backlog, idle: () => false };
    const pollIntervalMs = 20;
    const confirming = new OperationConfirmer(source, { pollIntervalMs, operationTimeoutMs: 60_000 }, clock(), pacing);
    const waiting = confirming.confirm("delete", "d");
    const began = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const listings = source.count("list delete");
    const spaced = Math.floor(elapsed(began) / (pollIntervalMs * BACKLOG_ROUND_SPACING)) + 1;
    assert.ok(listings <= spaced, `${listings} listings in ${Math.round(elapsed(began))} ms with deletions waiting to start`);
    pacing.backlog = false;
    source.statuses.set("d", "SUCCEEDED");
    const cleared = performance.now();
    assert.deepEqual(await waiting, { ok: true });
    assert.ok(elapsed(cleared) < pollIntervalMs * 3, `confirmed ${Math.round(elapsed(cleared))} ms after the backlog cleared`);
  });

  it("times an operation's first look by the shortest wait seen, neither listing it young nor waiting a whole interval", async () => {
    const operationMs = 150;
    const doneAt = new Map<string, number>();
    const calls: string[] = [];
    const source: OperationStatusSource = {
      async list() {
        calls.push("list");
        const now = performance.now();
        return {
          statuses: [...doneAt].map(([requestId, at]) => ({ requestId, status: now >= at ? "SUCCEEDED" : "IN_PROGRESS" })),
          nextToken: undefined,
        };
      },
      async describe() {
        throw new Error("every operation is listed");
      },
    };
    const unpaced: RoundPacing = { backlogged: () => false, idle: () => false };
    const confirming = new OperationConfirmer(source, { pollIntervalMs: 1_000, operationTimeoutMs: 60_000 }, clock(), unpaced);
    const confirm = async (requestId: string) => {
      doneAt.set(requestId, performance.now() + operationMs);
      const since = performance.now();
      assert.deepEqual(await confirming.confirm("create", requestId), { ok: true });
      return elapsed(since);
    };
    await confirm("first");
    const before = calls.length;
    const took = await confirm("second");
    // The interval alone would have listed it at once (IN_PROGRESS) and again a second later.
    assert.ok(took < 500, `the second creation was confirmed after ${Math.round(took)} ms`);
    assert.equal(calls.length - before, 1, "one listing, once it could be done");
  });
});
