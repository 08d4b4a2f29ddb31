// The grant store in PostgreSQL: every state change is one transaction with a compare-and-set on
// the status, and its audit record is appended in that same transaction.
import type { Pool, PoolClient } from "pg";
import { unattachedRecord } from "../../audit/detail.js";
import type { AuditNote } from "../../domain/audit-event.js";
import type { Clock } from "../../domain/clock.js";
import { assertTransition, HOLDING_STATUSES, type Grant, type GrantChanges, type GrantStatus, type NewGrant } from "../../domain/grant.js";
import { recordsApproval, tallyOf } from "../../domain/approval.js";
import {
  isMembership,
  type ApprovalNote,
  type AssignmentTarget,
  type DecideApproval,
  type GrantStore,
  HOLDER_IDS_SHOWN,
  type Holders,
  type MembershipTarget,
  type RecordedApproval,
} from "../../services/ports.js";
import { grantFromRow, groupColumns, type GrantRow } from "../grant-rows.js";
import { addApprover, approverIds } from "./approvals.js";
import { appendAudit } from "./audit-trail.js";
import { appendGrantNote } from "./grant-notes.js";
import { changeAssignmentsPg, selectRow, selectRows, SqlParams, type Queryable } from "./sql.js";
import { statusList } from "../status-list.js";
import { inTransaction } from "./transaction.js";

export class PostgresGrantStore implements GrantStore {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  async insert(grant: NewGrant, note: AuditNote): Promise<Grant> {
    return inTransaction(this.pool, (client) => this.insertOne(client, grant, note));
  }

  async insertAll(entries: readonly { grant: NewGrant; note: AuditNote }[]): Promise<Grant[]> {
    return inTransaction(this.pool, async (client) => {
      const stored: Grant[] = [];
      for (const { grant, note } of entries) stored.push(await this.insertOne(client, grant, note));
      return stored;
    });
  }

  private async insertOne(client: PoolClient, grant: NewGrant, note: AuditNote): Promise<Grant> {
    const groups = groupColumns(grant);
    const row = await selectRow<GrantRow>(
      client,
      `INSERT INTO grants (id, requester_id, requester_team_id, requester_email, bundle_id, account_id, permission_set,
         duration_ms, justification, ticket, rule_name, break_glass, status, created_at, updated_at, group_id, group_name, group_access)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $13, $14, $15, $16)
       RETURNING *`,
      [
        grant.id,
        grant.requesterId,
        grant.requesterTeamId,
        grant.requesterEmail,
        grant.bundleId ?? null,
        grant.accountId,
        grant.permissionSetName,
        grant.durationMs,
        grant.justification,
        grant.ticket ?? null,
        grant.ruleName,
        grant.breakGlass ? 1 : 0,
        grant.createdAt,
        groups.groupId,
        groups.groupName,
        groups.groupAccess,
      ],
    );
    if (!row) throw new Error(`grant ${grant.id} was not stored`);
    const stored = grantFromRow(row);
    await appendGrantNote(client, this.clock, stored, note);
    return stored;
  }

  async listBundle(bundleId: string): Promise<Grant[]> {
    return this.select("SELECT * FROM grants WHERE bundle_id = $1 ORDER BY account_id, permission_set", [bundleId]);
  }

  async get(id: string): Promise<Grant | undefined> {
    const row = await selectRow<GrantRow>(this.pool, "SELECT * FROM grants WHERE id = $1", [id]);
    return row && grantFromRow(row);
  }

  async transition(
    id: string,
    from: GrantStatus,
    to: GrantStatus,
    changes: GrantChanges,
    note: AuditNote | null,
  ): Promise<Grant | undefined> {
    assertTransition(from, to);
    return inTransaction(this.pool, async (client) => {
      const updated = await this.compareAndSet(client, id, from, to, changes);
      if (updated && note) await appendGrantNote(client, this.clock, updated, note);
      return updated;
    });
  }

  async amend(id: string, status: GrantStatus, changes: GrantChanges): Promise<Grant | undefined> {
    return this.compareAndSet(this.pool, id, status, status, changes);
  }

  async note(grantId: string, note: AuditNote): Promise<void> {
    await inTransaction(this.pool, (client) => appendGrantNote(client, this.clock, grantId, note));
  }

  async noteUnattached(scope: { accountId: string; permissionSet: string }, note: AuditNote): Promise<void> {
    await inTransaction(this.pool, (client) => appendAudit(client, async () => unattachedRecord(scope, note, this.clock.now())));
  }

  async approve(
    grantId: string,
    approverId: string,
    decide: DecideApproval<Grant>,
    changes: GrantChanges,
    note: ApprovalNote,
  ): Promise<RecordedApproval<Grant> | undefined> {
    return inTransaction(this.pool, async (client) => {
      // The row lock makes concurrent approvals of one request take turns, so exactly one sees the quorum.
      const row = await selectRow<GrantRow>(client, "SELECT * FROM grants WHERE id = $1 FOR UPDATE", [grantId]);
      if (!row) return undefined;
      const outcome = decide(grantFromRow(row), await approverIds(client, grantId));
      if (recordsApproval(outcome)) await addApprover(client, grantId, approverId, this.clock.now());
      const grant =
        outcome.kind === "approved" ? await this.compareAndSet(client, grantId, "pending", "approved", changes) : grantFromRow(row);
      if (!grant) throw new Error(`grant ${grantId} changed inside a transaction`);
      if (outcome.audit)
        await appendGrantNote(client, this.clock, grant, {
          ...note,
          action: outcome.audit,
          detail: { ...note.detail, ...tallyOf(outcome) },
        });
      return { subject: grant, outcome };
    });
  }

  async extend(grantId: string, extraMs: number, maxTotalMs: number, note: AuditNote, reopenReview: boolean): Promise<Grant | undefined> {
    return inTransaction(this.pool, async (client) => {
      // Locked first, so the review this clears is the one the audit record says it cleared.
      const before = await selectRow<{ reviewed_at: number | null }>(client, "SELECT reviewed_at FROM grants WHERE id = $1 FOR UPDATE", [
        grantId,
      ]);
      const row = await selectRow<GrantRow>(
        client,
        `UPDATE grants SET expires_at = expires_at + $2, warned_at = NULL, updated_at = $4,
           reviewed_by = CASE WHEN $5 THEN NULL ELSE reviewed_by END,
           reviewed_at = CASE WHEN $5 THEN NULL ELSE reviewed_at END
         WHERE id = $1 AND status = 'active' AND expires_at + $2 - activated_at <= $3
         RETURNING *`,
        [grantId, extraMs, maxTotalMs, this.clock.now(), reopenReview],
      );
      if (!row) return undefined;
      const extended = grantFromRow(row);
      const reopened = { ...note, detail: { ...note.detail, reviewReopened: before?.reviewed_at != null } };
      await appendGrantNote(client, this.clock, extended, reopenReview ? reopened : note);
      return extended;
    });
  }

  async listForRequester(requesterId: string, statuses: readonly GrantStatus[], limit: number): Promise<Grant[]> {
    return this.select("SELECT * FROM grants WHERE requester_id = $1 AND status = ANY($2::text[]) ORDER BY created_at DESC LIMIT $3", [
      requesterId,
      statuses,
      limit,
    ]);
  }

  async listUnreviewed(limit: number): Promise<Grant[]> {
    return this.select("SELECT * FROM grants WHERE break_glass = 1 AND reviewed_at IS NULL ORDER BY created_at LIMIT $1", [limit]);
  }

  async approversOf(subjectId: string): Promise<string[]> {
    return approverIds(this.pool, subjectId);
  }

  async markWarned(grantId: string, note: AuditNote): Promise<boolean> {
    const warned = await this.updateAndNote(
      `UPDATE grants SET warned_at = $2, updated_at = $2
       WHERE id = $1 AND status = 'active' AND warned_at IS NULL
       RETURNING *`,
      [grantId, this.clock.now()],
      note,
    );
    return warned !== undefined;
  }

  async markLeftPolicy(grantId: string, reason: string, note: AuditNote): Promise<boolean> {
    const marked = await this.updateAndNote(
      `UPDATE grants SET left_policy_reason = $2, updated_at = $3
       WHERE id = $1 AND left_policy_reason IS DISTINCT FROM $2
       RETURNING *`,
      [grantId, reason, this.clock.now()],
      note,
    );
    return marked !== undefined;
  }

  async markReviewed(grantId: string, reviewerId: string, note: AuditNote): Promise<Grant | undefined> {
    return this.updateAndNote(
      `UPDATE grants SET reviewed_by = $2, reviewed_at = $3, updated_at = $3
       WHERE id = $1 AND break_glass = 1 AND reviewed_at IS NULL
       RETURNING *`,
      [grantId, reviewerId, this.clock.now()],
      note,
    );
  }

  async listByStatus(statuses: readonly GrantStatus[]): Promise<Grant[]> {
    return this.select("SELECT * FROM grants WHERE status = ANY($1::text[]) ORDER BY created_at", [statuses]);
  }

  async listPendingCreatedBefore(before: number): Promise<Grant[]> {
    return this.select("SELECT * FROM grants WHERE status = 'pending' AND created_at <= $1 ORDER BY created_at", [before]);
  }

  async listExpired(now: number): Promise<Grant[]> {
    return this.select("SELECT * FROM grants WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at", [now]);
  }

  async nextExpiry(): Promise<number | undefined> {
    const row = await selectRow<{ next: number | null }>(this.pool, "SELECT min(expires_at) AS next FROM grants WHERE status = 'active'");
    return row?.next ?? undefined;
  }

  async holders(target: AssignmentTarget | MembershipTarget, excludeId: string): Promise<Holders> {
    // Aggregated in SQL: one person may hold one target through many grants, and only these three facts are needed.
    const [where, params] = isMembership(target)
      ? ["group_id = $1 AND principal_id = $2 AND id <> $3", [target.groupId, target.principalId, excludeId]]
      : [
          "account_id = $1 AND permission_set = $2 AND principal_id = $3 AND id <> $4",
          [target.accountId, target.permissionSetName, target.principalId, excludeId],
        ];
    // One query: the window functions count every holder before LIMIT keeps the oldest few.
    const rows = await selectRows<{ id: string; n: string; keeps: number }>(
      this.pool,
      `SELECT id, count(*) OVER () AS n, max(keeps_assignment) OVER () AS keeps
         FROM grants WHERE ${where} AND status IN (${statusList(HOLDING_STATUSES)})
         ORDER BY created_at, id LIMIT ${HOLDER_IDS_SHOWN}`,
      params,
    );
    return { count: Number(rows[0]?.n ?? 0), ids: rows.map((row) => row.id), keepsAssignment: rows[0]?.keeps === 1 };
  }

  private async compareAndSet(
    db: Queryable,
    id: string,
    from: GrantStatus,
    to: GrantStatus,
    changes: GrantChanges,
  ): Promise<Grant | undefined> {
    const params = new SqlParams();
    const assignments = [
      `status = ${params.add(to)}`,
      `updated_at = ${params.add(this.clock.now())}`,
      ...changeAssignmentsPg(changes, params),
    ];
    const row = await selectRow<GrantRow>(
      db,
      `UPDATE grants SET ${assignments.join(", ")} WHERE id = ${params.add(id)} AND status = ${params.add(from)} RETURNING *`,
      params.values,
    );
    return row && grantFromRow(row);
  }

  /** Runs a compare-and-set UPDATE … RETURNING * and, when it matched, audits the grant as updated. */
  private async updateAndNote(sql: string, values: unknown[], note: AuditNote): Promise<Grant | undefined> {
    return inTransaction(this.pool, async (client: PoolClient) => {
      const row = await selectRow<GrantRow>(client, sql, values);
      if (!row) return undefined;
      const updated = grantFromRow(row);
      await appendGrantNote(client, this.clock, updated, note);
      return updated;
    });
  }

  private async select(sql: string, values: unknown[]): Promise<Grant[]> {
    return (await selectRows<GrantRow>(this.pool, sql, values)).map(grantFromRow);
  }
}
