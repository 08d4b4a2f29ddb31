// Escalations and reminders of pending requests in PostgreSQL (see ports.ts, ApprovalNudges).
import type { Pool } from "pg";
import type { AuditNote } from "../../domain/audit-event.js";
import type { Clock } from "../../domain/clock.js";
import type { NudgeState } from "../../domain/approval-nudges.js";
import type { ApprovalNudges } from "../../services/ports.js";
import { nudgesFromRow, type NudgeRow } from "../nudge-rows.js";
import { appendGrantNote } from "./grant-notes.js";
import { selectRow } from "./sql.js";
import { inTransaction } from "./transaction.js";

const MARK_ESCALATED = `INSERT INTO approval_nudges (grant_id, escalated_at) VALUES ($1, $2)
  ON CONFLICT (grant_id) DO UPDATE SET escalated_at = excluded.escalated_at WHERE approval_nudges.escalated_at IS NULL`;

export class PostgresApprovalNudges implements ApprovalNudges {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  async of(grantId: string): Promise<NudgeState> {
    return nudgesFromRow(await selectRow<NudgeRow>(this.pool, "SELECT * FROM approval_nudges WHERE grant_id = $1", [grantId]));
  }

  async escalate(grantIds: readonly string[], at: number, note: AuditNote): Promise<boolean> {
    const [first, ...rest] = grantIds;
    if (first === undefined) return false;
    return inTransaction(this.pool, async (client) => {
      // The lock a decision takes too: an escalation and a decision of one request take turns.
      const grant = await selectRow<{ status: string }>(client, "SELECT status FROM grants WHERE id = $1 FOR NO KEY UPDATE", [first]);
      if (grant?.status !== "pending") return false;
      if ((await client.query(MARK_ESCALATED, [first, at])).rowCount !== 1) return false;
      for (const id of rest) await client.query(MARK_ESCALATED, [id, at]);
      for (const id of grantIds) await appendGrantNote(client, this.clock, id, note);
      return true;
    });
  }

  async remind(grantId: string, previous: number | null, at: number): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO approval_nudges (grant_id, reminded_at) VALUES ($1, $2)
         ON CONFLICT (grant_id) DO UPDATE SET reminded_at = excluded.reminded_at
         WHERE approval_nudges.reminded_at IS NOT DISTINCT FROM $3`,
      [grantId, at, previous],
    );
    return result.rowCount === 1;
  }
}
