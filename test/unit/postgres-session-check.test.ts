// The PostgreSQL readiness check: a pooled connection the server ended is asked again on a fresh
// one, so a restart or failover does not read as an outage; read-only sessions and standbys do.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DatabaseUnavailable } from "../../src/store/backend.js";
import { checkSession } from "../../src/store/postgres/postgres-backend.js";
import type { Queryable } from "../../src/store/postgres/sql.js";

/** A pool that answers each query with the next of `answers` (an error is thrown). */
function pool(answers: readonly (Error | Record<string, unknown>)[]): Queryable & { asked: number } {
  let asked = 0;
  return {
    get asked() {
      return asked;
    },
    async query() {
      const answer = answers[asked++];
      if (answer === undefined) throw new Error("asked once too often");
      if (answer instanceof Error) throw answer;
      return { rows: [answer], rowCount: 1 };
    },
  };
}

const codeError = (code: string, message: string) => Object.assign(new Error(message), { code });
const writable = { standby: false, read_only: "off" };

describe("PostgreSQL session check", () => {
  it("asks again once when the server ended the pooled connection, and reports what the fresh one sees", async () => {
    for (const ended of [
      codeError("57P01", "terminating connection due to administrator command"),
      new Error("Connection terminated unexpectedly"),
    ]) {
      const recovered = pool([ended, writable]);
      await checkSession(recovered);
      assert.equal(recovered.asked, 2);
      const stillReadOnly = pool([ended, { standby: false, read_only: "on" }]);
      await assert.rejects(checkSession(stillReadOnly), (error) => error instanceof DatabaseUnavailable && error.code === "read_only");
    }
  });

  it("does not retry other failures, nor more than once", async () => {
    const denied = pool([codeError("42501", "permission denied")]);
    await assert.rejects(checkSession(denied), /permission denied/);
    assert.equal(denied.asked, 1);
    const twice = pool([codeError("57P01", "terminating"), codeError("57P01", "terminating again")]);
    await assert.rejects(checkSession(twice), /terminating again/);
    assert.equal(twice.asked, 2);
  });

  it("names a standby and read-only sessions", async () => {
    await assert.rejects(
      checkSession(pool([{ standby: true, read_only: "on" }])),
      (e) => e instanceof DatabaseUnavailable && e.code === "standby",
    );
    await checkSession(pool([writable]));
  });
});
