// Group commit: writes asked for together share one SQLite transaction, yet each stays atomic.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { GroupCommit, immediateCommits } from "../../src/store/sqlite/group-commit.js";

let dir: string;
let db: Database.Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jit-group-commit-"));
  db = new Database(join(dir, "t.sqlite"));
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const rows = () => db.prepare<[], { id: number; v: string }>("SELECT id, v FROM t ORDER BY id").all();

describe("GroupCommit", () => {
  it("commits writes asked for in the same turn together, in the order asked, and answers each", async () => {
    const commits = new GroupCommit(db);
    const insert = db.prepare<[number, string]>("INSERT INTO t (id, v) VALUES (?, ?)");
    const answers = await Promise.all([1, 2, 3].map((id) => commits.run(() => insert.run(id, `v${id}`).changes)));
    assert.deepEqual(answers, [1, 1, 1]);
    assert.deepEqual(rows(), [
      { id: 1, v: "v1" },
      { id: 2, v: "v2" },
      { id: 3, v: "v3" },
    ]);
  });

  it("resolves only after the commit: nothing is reported written before it is", async () => {
    const commits = new GroupCommit(db);
    const pending = commits.run(() => db.prepare("INSERT INTO t (id, v) VALUES (1, 'a')").run());
    assert.equal(rows().length, 0, "not yet written in the same turn");
    await pending;
    const other = new Database(join(dir, "t.sqlite"), { readonly: true });
    try {
      assert.equal(other.prepare<[], { n: number }>("SELECT count(*) AS n FROM t").get()?.n, 1, "another connection sees it");
    } finally {
      other.close();
    }
  });

  it("rolls back a failing write alone: the others in its batch are kept, and it gets its own error", async () => {
    const commits = new GroupCommit(db);
    const insert = db.prepare<[number, string]>("INSERT INTO t (id, v) VALUES (?, ?)");
    const outcomes = await Promise.allSettled([
      commits.run(() => insert.run(1, "kept")),
      commits.run(() => {
        insert.run(2, "half of a failing write");
        insert.run(1, "a duplicate key");
      }),
      commits.run(() => insert.run(3, "kept too")),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    const failure = outcomes[1];
    assert.match(failure?.status === "rejected" ? String(failure.reason) : "", /UNIQUE constraint failed/);
    assert.deepEqual(
      rows(),
      [
        { id: 1, v: "kept" },
        { id: 3, v: "kept too" },
      ],
      "the failing write left nothing behind",
    );
  });

  it("fails every write of a batch whose commit fails, keeping none of them", async () => {
    const commits = new GroupCommit(db);
    const blocker = new Database(join(dir, "t.sqlite"));
    blocker.pragma("busy_timeout = 0");
    db.pragma("busy_timeout = 0");
    blocker.exec("BEGIN IMMEDIATE");
    try {
      const outcomes = await Promise.allSettled([
        commits.run(() => db.prepare("INSERT INTO t (id, v) VALUES (1, 'a')").run()),
        commits.run(() => db.prepare("INSERT INTO t (id, v) VALUES (2, 'b')").run()),
      ]);
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        ["rejected", "rejected"],
      );
    } finally {
      blocker.exec("ROLLBACK");
      blocker.close();
    }
    assert.deepEqual(rows(), []);
  });

  it("splits a large burst into several transactions so none blocks the event loop for long", async () => {
    const commits = new GroupCommit(db);
    const insert = db.prepare<[number, string]>("INSERT INTO t (id, v) VALUES (?, ?)");
    let turnsBetween = 0;
    const ticker = setInterval(() => (turnsBetween += 1), 0);
    await Promise.all(Array.from({ length: 350 }, (_, i) => commits.run(() => insert.run(i + 1, "x"))));
    clearInterval(ticker);
    assert.equal(rows().length, 350);
    assert.ok(turnsBetween >= 1, "timers ran between the batches");
  });
});

describe("immediateCommits", () => {
  it("writes at once, inside the caller's transaction, a failing write rolled back alone", async () => {
    const commits = immediateCommits(db);
    const insert = db.prepare<[number, string]>("INSERT INTO t (id, v) VALUES (?, ?)");
    const outcomes: Array<Promise<unknown>> = [];
    db.transaction(() => {
      outcomes.push(commits.run(() => insert.run(1, "a")));
      assert.equal(rows().length, 1, "written before run() returned");
      outcomes.push(commits.run(() => insert.run(1, "duplicate")));
      outcomes.push(commits.run(() => insert.run(2, "b")));
    })();
    const settled = await Promise.allSettled(outcomes);
    assert.deepEqual(
      settled.map((outcome) => outcome.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    assert.deepEqual(rows(), [
      { id: 1, v: "a" },
      { id: 2, v: "b" },
    ]);
  });
});
