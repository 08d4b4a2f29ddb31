// A burst of revocations shares fence writes, and nobody is answered by a write that began before they asked.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RenderedFence } from "../../src/domain/session-fence.js";
import { SessionFence } from "../../src/services/session-fence.js";
import { MemoryFenceEntries } from "../support/memory-ports.js";

const RENDERED: RenderedFence = { documents: [], unfenced: [], placed: [], roleWide: new Map(), wholeRoles: [], writeOrder: [] };

describe("SessionFence.coalesce", () => {
  it("runs a burst of writes as the one running and one more for everyone who asked meanwhile", async () => {
    const fence = new SessionFence(new MemoryFenceEntries(), null);
    const started: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const write = async () => {
      started.push(started.length);
      if (started.length === 1) await gate;
      return RENDERED;
    };
    const first = fence.coalesce(write);
    const rest = Array.from({ length: 9 }, () => fence.coalesce(write));
    assert.equal(started.length, 1, "the later callers wait for the running write");
    release();
    await Promise.all([first, ...rest]);
    assert.equal(started.length, 2, "one more write for the nine who asked while it ran");
  });

  it("starts the write a caller waits for after its call, and passes a failure to everyone sharing it", async () => {
    const fence = new SessionFence(new MemoryFenceEntries(), null);
    const asked: number[] = [];
    const startedAt: number[] = [];
    let tick = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const write = async () => {
      startedAt.push((tick += 1));
      if (startedAt.length === 1) await gate;
      if (startedAt.length === 2) throw new Error("AWS refused");
      return RENDERED;
    };
    const first = fence.coalesce(write);
    asked.push((tick += 1));
    const second = fence.coalesce(write);
    const third = fence.coalesce(write);
    release();
    await first;
    await assert.rejects(second, /AWS refused/);
    await assert.rejects(third, /AWS refused/);
    assert.ok((startedAt[1] ?? 0) > (asked[0] ?? Number.POSITIVE_INFINITY), "the shared write began after the second caller asked");
    await fence.coalesce(write);
    assert.equal(startedAt.length, 3, "after a failure the next caller gets a write of its own");
  });
});
