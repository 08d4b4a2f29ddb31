// Escalations and reminders of pending requests in SQLite (see ports.ts, ApprovalNudges).
import type { AuditNote } from "../../domain/audit-event.js";
import type { NudgeState } from "../../domain/approval-nudges.js";
import type { ApprovalNudges } from "../../services/ports.js";
import { nudgesFromRow, type NudgeRow } from "../nudge-rows.js";
import { prepared, type SqliteDatabase } from "./database.js";
import type { SqliteStore } from "./grant-store.js";
import { groupCommit, type GroupCommit } from "./group-commit.js";

const MARK_ESCALATED = `INSERT INTO approval_nudges (grant_id, escalated_at) VALUES (?, ?)
  ON CONFLICT (grant_id) DO UPDATE SET escalated_at = excluded.escalated_at WHERE approval_nudges.escalated_at IS NULL`;

export class SqliteApprovalNudges implements ApprovalNudges {
  private readonly commits: GroupCommit;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly grants: SqliteStore,
  ) {
    this.commits = groupCommit(db);
  }

  async of(grantId: string): Promise<NudgeState> {
    return nudgesFromRow(prepared<[string], NudgeRow>(this.db, "SELECT * FROM approval_nudges WHERE grant_id = ?").get(grantId));
  }

  async escalate(grantIds: readonly string[], at: number, note: AuditNote): Promise<boolean> {
    const [first, ...rest] = grantIds;
    if (first === undefined) return false;
    return this.commits.run(() => {
      const grant = prepared<[string], { status: string }>(this.db, "SELECT status FROM grants WHERE id = ?").get(first);
      if (grant?.status !== "pending") return false;
      if (prepared(this.db, MARK_ESCALATED).run(first, at).changes !== 1) return false;
      for (const id of rest) prepared(this.db, MARK_ESCALATED).run(id, at);
      for (const id of grantIds) this.grants.appendNote(id, note);
      return true;
    });
  }

  async remind(grantId: string, previous: number | null, at: number): Promise<boolean> {
    return this.commits.run(
      () =>
        prepared(
          this.db,
          `INSERT INTO approval_nudges (grant_id, reminded_at) VALUES (?, ?)
             ON CONFLICT (grant_id) DO UPDATE SET reminded_at = excluded.reminded_at WHERE approval_nudges.reminded_at IS ?`,
        ).run(grantId, at, previous).changes === 1,
    );
  }
}
