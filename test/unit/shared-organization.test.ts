// Which organization snapshot a process starts from: the stored one while it is younger than
// refreshMinutes, else AWS (under the lease), else a stored one of any age; and what a stored
// snapshot must be to be used at all (valid, read when its row says, not in the future).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseOrgSnapshot } from "../../src/config/org-snapshot-file.js";
import type { OrgSnapshot } from "../../src/domain/organization.js";
import type { OrganizationPolicy, OrganizationRead } from "../../src/services/organization-refresh.js";
import type { OrganizationSnapshots, StoredOrganization } from "../../src/services/ports.js";
import { startingOrganization, storedSnapshot, type IfFree, type SharedOrganization } from "../../src/services/shared-organization.js";
import { RecordingLogger } from "../support/in-process-bot.js";
import { FakeClock, T0 } from "../support/store-fixtures.js";

const REFRESH_MS = 60 * 60_000;

function snapshot(readAt: number): OrgSnapshot {
  return {
    readAt,
    rootId: "r-ab12",
    units: [{ id: "r-ab12", name: "Root", path: "/Root", parentId: null }],
    accounts: [{ id: "111122223333", name: "prod", state: "ACTIVE", parentId: "r-ab12", tags: {} }],
  };
}

class OneRow implements OrganizationSnapshots {
  row: StoredOrganization | undefined;
  async readAt() {
    return this.row?.readAt;
  }
  async latest() {
    return this.row;
  }
  async put(stored: StoredOrganization) {
    this.row = stored;
  }
}

function world(read: () => OrganizationRead) {
  const clock = new FakeClock(T0);
  const snapshots = new OneRow();
  let reads = 0;
  const source: OrganizationPolicy = {
    refreshMs: REFRESH_MS,
    async read() {
      reads += 1;
      return read();
    },
    resolve: (s) => ({ kind: "read", policy: { accounts: [] } as never, snapshot: s, warnings: [] }),
    parse(text) {
      try {
        return { kind: "valid", snapshot: parseOrgSnapshot(text, "stored") };
      } catch (error) {
        return { kind: "invalid", problem: (error as Error).message };
      }
    },
  };
  const shared: SharedOrganization = { source, snapshots, readBy: "bot:me", clock };
  const store = (s: OrgSnapshot, rowReadAt = s.readAt) => {
    snapshots.row = { readAt: rowReadAt, readBy: "bot:other", snapshot: JSON.stringify(s) };
  };
  return { clock, snapshots, shared, store, reads: () => reads };
}

const free: IfFree = (_key, work) => work();
const taken: IfFree = async () => undefined;
const readNow = (at: number) => (): OrganizationRead => ({ kind: "read", snapshot: snapshot(at) });
const cannotRead = (): OrganizationRead => ({ kind: "failed", problem: "AccessDenied: ListRoots" });

describe("storedSnapshot", () => {
  it("uses a valid snapshot read when its row says", async () => {
    const w = world(cannotRead);
    w.store(snapshot(T0 - 1000));
    assert.equal((await storedSnapshot(w.shared))?.kind, "usable");
  });

  it("refuses one whose read time is not its row's (the row made to look fresher)", async () => {
    const w = world(cannotRead);
    w.store(snapshot(T0 - 2 * REFRESH_MS), T0);
    const stored = await storedSnapshot(w.shared);
    assert.equal(stored?.kind, "refused");
    assert.match(stored?.kind === "refused" ? stored.problem : "", /is not the row's read_at/);
  });

  it("refuses one dated in the future, which would never be due for a refresh", async () => {
    const w = world(cannotRead);
    w.store(snapshot(T0 + 24 * REFRESH_MS));
    assert.match((await storedSnapshot(w.shared))?.kind ?? "", /refused/);
  });

  it("refuses text that is not a snapshot", async () => {
    const w = world(cannotRead);
    w.snapshots.row = { readAt: T0, readBy: "bot:other", snapshot: '{"readAt": 1}' };
    assert.equal((await storedSnapshot(w.shared))?.kind, "refused");
  });
});

describe("startingOrganization", () => {
  it("starts from a stored snapshot younger than refreshMinutes without reading AWS", async () => {
    const w = world(readNow(T0));
    w.store(snapshot(T0 - REFRESH_MS + 1));
    const started = await startingOrganization(w.shared, free, new RecordingLogger());
    assert.equal(started.from, "store");
    assert.equal(w.reads(), 0);
  });

  it("reads AWS for a stale one and stores what it read, as this process", async () => {
    const w = world(readNow(T0));
    w.store(snapshot(T0 - REFRESH_MS));
    const started = await startingOrganization(w.shared, free, new RecordingLogger());
    assert.equal(started.from, "aws");
    assert.equal(w.reads(), 1);
    assert.deepEqual({ readAt: w.snapshots.row?.readAt, readBy: w.snapshots.row?.readBy }, { readAt: T0, readBy: "bot:me" });
  });

  it("starts from a stale stored one while another process holds the lease", async () => {
    const w = world(readNow(T0));
    w.store(snapshot(T0 - 2 * REFRESH_MS));
    const logger = new RecordingLogger();
    const started = await startingOrganization(w.shared, taken, logger);
    assert.equal(started.from, "store");
    assert.equal(w.reads(), 0);
    assert.ok(logger.lines.some((line) => line.level === "warn" && /another process is reading/.test(line.message)));
  });

  it("reads AWS without the lease when nothing usable is stored", async () => {
    const w = world(readNow(T0));
    const started = await startingOrganization(w.shared, taken, new RecordingLogger());
    assert.equal(started.from, "aws");
    assert.equal(w.reads(), 1);
  });

  it("starts from a stale stored one, saying how old, when AWS cannot be read", async () => {
    const w = world(cannotRead);
    w.store(snapshot(T0 - 3 * REFRESH_MS));
    const logger = new RecordingLogger();
    const started = await startingOrganization(w.shared, free, logger);
    assert.equal(started.reading.kind, "read");
    const warning = logger.lines.find((line) => /AWS Organizations cannot be read/.test(line.message));
    assert.deepEqual(warning?.context, { readBy: "bot:other", ageMinutes: 180 });
  });

  it("fails when AWS cannot be read and the stored one is refused", async () => {
    const w = world(cannotRead);
    w.snapshots.row = { readAt: T0, readBy: "someone", snapshot: "{}" };
    const logger = new RecordingLogger();
    const started = await startingOrganization(w.shared, free, logger);
    assert.deepEqual(started.reading, { kind: "failed", stage: "read", problem: "AccessDenied: ListRoots" });
    assert.ok(logger.errors().some((line) => /is refused/.test(line.message)));
  });
});
