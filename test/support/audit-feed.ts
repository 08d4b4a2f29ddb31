// Helpers for tests of the audit feed: records appended straight to the store, and what the audit
// channel received of them.
import assert from "node:assert/strict";
import { SYSTEM_ACTOR } from "../../src/domain/audit-event.js";
import type { GrantStore } from "../../src/services/ports.js";
import { auditRows, eventually, postedAuditRecords } from "./flows.js";
import { seededRequest } from "./seeded-grants.js";
import { people, type World } from "./world.js";

let grants = 0;

/** Appends `count` audit records (one "requested", then revocation retries) straight to the store. */
export async function seedAuditRecords(store: GrantStore, count: number): Promise<void> {
  grants += 1;
  const id = `jit-seed${String(grants).padStart(4, "0")}`;
  await store.insert(seededRequest(id, people.alice, "audit feed test", Date.now()), {
    action: "requested",
    actorId: people.alice.slackId,
  });
  for (let attempt = 1; attempt < count; attempt += 1) {
    await store.note(id, {
      action: "revocation_retry",
      actorId: SYSTEM_ACTOR,
      detail: { error: "ThrottlingException", attempts: attempt },
    });
  }
}

/** Waits until every audit record is in the audit channel and marked delivered; returns the seqs as posted. */
export async function allAuditRecordsPosted(world: World, timeoutMs: number): Promise<number[]> {
  return eventually(
    async () => {
      const rows = await auditRows(world);
      const posted = postedAuditRecords(world).map((record) => record.seq);
      return posted.length >= rows.length && rows.every((row) => row.delivered) && posted;
    },
    timeoutMs,
    "every audit record in the audit channel",
  );
}

export async function assertPostedExactlyOnceInOrder(world: World, posted: number[]): Promise<void> {
  const rows = await auditRows(world);
  assert.deepEqual(
    posted,
    rows.map((row) => row.seq),
    "each record once, in seq order",
  );
  assert.ok(
    rows.every((row) => row.delivered),
    "each one marked delivered",
  );
}
