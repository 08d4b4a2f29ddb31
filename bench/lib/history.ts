// A year of history for the scale benchmark, written through the bot's store: grants from many
// requesters through their real lifecycles, each revoked one with its activity digest (some unused,
// some partial, some flagged and a share of those reviewed), and audit records to a total of one million.
import type { AuditDetail } from "../../src/domain/audit-event.js";
import { seedGrantId, type HistoryWriter } from "./seed.js";

export const HISTORY = { grants: 100_000, auditRows: 1_000_000, requesters: 500, active: 200 } as const;

const YEAR = 365 * 24 * 3_600_000;
const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const APPROVER = "U0BOB";
/** Ended grants are padded with revocation_retry records to reach HISTORY.auditRows in all. */
const ACTIVE_RECORDS = 3;
const ENDED = HISTORY.grants - HISTORY.active;
const ENDED_RECORDS = Math.floor((HISTORY.auditRows - HISTORY.active * ACTIVE_RECORDS) / ENDED);
const TOP_UP = HISTORY.auditRows - HISTORY.active * ACTIVE_RECORDS - ENDED * ENDED_RECORDS;

type Outcome = "active" | "denied" | "failed" | "revoked";

export const historyRequester = (n: number): string => `U0H${String(n % HISTORY.requesters).padStart(4, "0")}`;

function outcomeOf(n: number): Outcome {
  if (n >= ENDED) return "active";
  return n % 20 === 0 ? "denied" : n % 20 === 1 ? "failed" : "revoked";
}

/** Writes one grant's life; returns how many audit records it wrote and when it ended. */
function live(writer: HistoryWriter, n: number, created: number, now: number): { records: number; at: number } {
  const id = seedGrantId(n);
  const requesterId = historyRequester(n);
  writer.request(created, {
    id,
    requesterId,
    requesterTeamId: "T00000001",
    requesterEmail: `${requesterId.toLowerCase()}@example.com`,
    accountId: n % 3 === 0 ? "444455556666" : "111122223333",
    permissionSetName: n % 4 === 0 ? "AdministratorAccess" : "ReadOnlyAccess",
    durationMs: HOUR,
    justification: `INC-${n} looking into the alarms on the payments service`,
    ruleName: "engineers",
  });
  const decided = created + MINUTE;
  const outcome = outcomeOf(n);
  if (outcome === "denied") {
    writer.move(decided, id, "pending", "denied", { decidedBy: APPROVER, decidedAt: decided, endedAt: decided }, "denied", APPROVER);
    return { records: 2, at: decided };
  }
  writer.move(decided, id, "pending", "approved", { decidedBy: APPROVER, decidedAt: decided }, "approved", APPROVER);
  if (outcome === "failed") {
    writer.move(
      decided + 1_000,
      id,
      "approved",
      "failed",
      { failureReason: "No IAM Identity Center user has this email.", endedAt: decided + 1_000 },
      "failed",
    );
    return { records: 3, at: decided + 1_000 };
  }
  const activated = decided + 5_000;
  writer.move(decided + 1_000, id, "approved", "provisioning", { principalId: `p-${requesterId}`, keepsAssignment: false }, null);
  const expires = outcome === "active" ? now + DAY : activated + HOUR;
  writer.move(activated, id, "provisioning", "active", { activatedAt: activated, expiresAt: expires }, "provisioned");
  if (outcome === "active") return { records: ACTIVE_RECORDS, at: activated };
  writer.move(expires, id, "active", "revoking", {}, "revocation_started");
  writer.move(expires + 2_000, id, "revoking", "revoked", { endedAt: expires + 2_000 }, "revoked");
  return { records: 5, at: expires + 2_000 };
}

/** The activity digest record of revoked grant `n`, as services/activity-digest.ts writes it. */
function digestOf(n: number): AuditDetail {
  const unused = n % 7 === 2;
  return {
    events: unused ? 0 : 5 + (n % 60),
    writes: unused || n % 3 === 0 ? 0 : n % 9,
    denied: n % 13 === 0 ? 1 : 0,
    flagged: n % 50 === 3 ? 1 : 0,
    regions: "us-east-1",
    partial: n % 97 === 5,
    missing: n % 97 === 5 ? "eu-west-1:throttled" : "",
    needsReview: n % 50 === 3,
    attempts: 1,
  };
}

/** Mostly revoked, some denied and failed; the newest few still active, expiring tomorrow. */
export function writeHistory(writer: HistoryWriter, now: number): void {
  for (let n = 0; n < HISTORY.grants; n += 1) {
    const created = now - YEAR + Math.floor((n * YEAR) / HISTORY.grants);
    const life = live(writer, n, created, now);
    if (outcomeOf(n) === "active") continue;
    const wanted = ENDED_RECORDS + (n < TOP_UP ? 1 : 0);
    let k = life.records;
    if (outcomeOf(n) === "revoked") {
      const digest = digestOf(n);
      writer.note(life.at + k++, seedGrantId(n), "activity_digest", digest);
      if (digest.needsReview && n % 100 === 3) writer.note(life.at + k++, seedGrantId(n), "activity_reviewed");
    }
    for (; k < wanted; k += 1) writer.note(life.at + k, seedGrantId(n), "revocation_retry");
  }
}
