// The SQLite implementation of the grant store and audit outbox: the only place SQL lives.
import { auditDetail, unattachedRecord } from "../../audit/detail.js";
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
import { SqliteAuditLog } from "./audit-log.js";
import { prepared, type SqliteDatabase } from "./database.js";
import { groupCommit, type Commits } from "./group-commit.js";
import { changeAssignments, grantFromRow, groupColumns, type GrantRow } from "../grant-rows.js";
import { statusList } from "../status-list.js";

export class SqliteStore implements GrantStore {
  private readonly selectGrant;
  private readonly commits: Commits;
  /** The hash-chained audit trail: appended to here, read by export and verification. */
  readonly audit: SqliteAuditLog;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly clock: Clock,
    commits: Commits = groupCommit(db),
  ) {
    this.selectGrant = db.prepare<[string], GrantRow>("SELECT * FROM grants WHERE id = ?");
    this.commits = commits;
    this.audit = new SqliteAuditLog(db);
  }

  async insert(grant: NewGrant, note: AuditNote): Promise<Grant> {
    return this.commits.run(() => this.insertOne(grant, note));
  }

  async insertAll(entries: readonly { grant: NewGrant; note: AuditNote }[]): Promise<Grant[]> {
    return this.commits.run(() => entries.map(({ grant, note }) => this.insertOne(grant, note)));
  }

  private insertOne(grant: NewGrant, note: AuditNote): Grant {
    prepared(
      this.db,
      `INSERT INTO grants (id, requester_id, requester_team_id, requester_email, bundle_id, account_id, permission_set,
           group_id, group_name, group_access, duration_ms, justification, ticket, rule_name, break_glass, status, created_at, updated_at)
         VALUES (@id, @requesterId, @requesterTeamId, @requesterEmail, @bundleId, @accountId, @permissionSetName,
           @groupId, @groupName, @groupAccess, @durationMs, @justification, @ticket, @ruleName, @breakGlass, 'pending', @createdAt, @createdAt)`,
    ).run({
      ...grant,
      ...groupColumns(grant),
      ticket: grant.ticket ?? null,
      bundleId: grant.bundleId ?? null,
      breakGlass: grant.breakGlass ? 1 : 0,
    });
    const stored = this.mustGet(grant.id);
    this.appendAudit(stored, note);
    return stored;
  }

  async listBundle(bundleId: string): Promise<Grant[]> {
    return prepared<[string], GrantRow>(this.db, "SELECT * FROM grants WHERE bundle_id = ? ORDER BY account_id, permission_set")
      .all(bundleId)
      .map(grantFromRow);
  }

  async get(id: string): Promise<Grant | undefined> {
    const row = this.selectGrant.get(id);
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
    return this.commits.run(() => {
      const updated = this.compareAndSet(id, from, to, changes);
      if (updated && note) this.appendAudit(updated, note);
      return updated;
    });
  }

  async amend(id: string, status: GrantStatus, changes: GrantChanges): Promise<Grant | undefined> {
    return this.commits.run(() => this.compareAndSet(id, status, status, changes));
  }

  async note(grantId: string, note: AuditNote): Promise<void> {
    await this.commits.run(() => this.appendAudit(this.mustGet(grantId), note));
  }

  async noteUnattached(scope: { accountId: string; permissionSet: string }, note: AuditNote): Promise<void> {
    await this.commits.run(() => this.audit.append(unattachedRecord(scope, note, this.clock.now())));
  }

  async approve(
    grantId: string,
    approverId: string,
    decide: DecideApproval<Grant>,
    changes: GrantChanges,
    note: ApprovalNote,
  ): Promise<RecordedApproval<Grant> | undefined> {
    return this.commits.run(() => {
      const row = this.selectGrant.get(grantId);
      if (!row) return undefined;
      const outcome = decide(grantFromRow(row), this.approverIds(grantId));
      if (recordsApproval(outcome)) this.addApprover(grantId, approverId);
      const grant = outcome.kind === "approved" ? this.compareAndSet(grantId, "pending", "approved", changes) : grantFromRow(row);
      if (!grant) throw new Error(`grant ${grantId} changed inside a transaction`);
      if (outcome.audit) this.appendAudit(grant, { ...note, action: outcome.audit, detail: { ...note.detail, ...tallyOf(outcome) } });
      return { subject: grant, outcome };
    });
  }

  async extend(grantId: string, extraMs: number, maxTotalMs: number, note: AuditNote, reopenReview: boolean): Promise<Grant | undefined> {
    return this.commits.run(() => {
      const wasReviewed = this.selectGrant.get(grantId)?.reviewed_at != null;
      const { changes } = prepared(
        this.db,
        `UPDATE grants SET expires_at = expires_at + @extraMs, warned_at = NULL, updated_at = @now,
             reviewed_by = CASE WHEN @reopen = 1 THEN NULL ELSE reviewed_by END,
             reviewed_at = CASE WHEN @reopen = 1 THEN NULL ELSE reviewed_at END
           WHERE id = @grantId AND status = 'active' AND expires_at + @extraMs - activated_at <= @maxTotalMs`,
      ).run({ grantId, extraMs, maxTotalMs, now: this.clock.now(), reopen: reopenReview ? 1 : 0 });
      if (changes !== 1) return undefined;
      const extended = this.mustGet(grantId);
      this.appendAudit(extended, reopenReview ? { ...note, detail: { ...note.detail, reviewReopened: wasReviewed } } : note);
      return extended;
    });
  }

  async listForRequester(requesterId: string, statuses: readonly GrantStatus[], limit: number): Promise<Grant[]> {
    const placeholders = statuses.map(() => "?").join(", ");
    return prepared<unknown[], GrantRow>(
      this.db,
      `SELECT * FROM grants WHERE requester_id = ? AND status IN (${placeholders}) ORDER BY created_at DESC LIMIT ?`,
    )
      .all(requesterId, ...statuses, limit)
      .map(grantFromRow);
  }

  async listUnreviewed(limit: number): Promise<Grant[]> {
    return prepared<[number], GrantRow>(
      this.db,
      "SELECT * FROM grants WHERE break_glass = 1 AND reviewed_at IS NULL ORDER BY created_at LIMIT ?",
    )
      .all(limit)
      .map(grantFromRow);
  }

  async approversOf(subjectId: string): Promise<string[]> {
    return this.approverIds(subjectId);
  }

  async markWarned(grantId: string, note: AuditNote): Promise<boolean> {
    return this.commits.run(() => {
      const { changes } = prepared(
        this.db,
        "UPDATE grants SET warned_at = ?, updated_at = ? WHERE id = ? AND status = 'active' AND warned_at IS NULL",
      ).run(this.clock.now(), this.clock.now(), grantId);
      if (changes === 1) this.appendAudit(this.mustGet(grantId), note);
      return changes === 1;
    });
  }

  async markLeftPolicy(grantId: string, reason: string, note: AuditNote): Promise<boolean> {
    return this.commits.run(() => {
      const { changes } = prepared(
        this.db,
        "UPDATE grants SET left_policy_reason = ?, updated_at = ? WHERE id = ? AND left_policy_reason IS NOT ?",
      ).run(reason, this.clock.now(), grantId, reason);
      if (changes === 1) this.appendAudit(this.mustGet(grantId), note);
      return changes === 1;
    });
  }

  async markReviewed(grantId: string, reviewerId: string, note: AuditNote): Promise<Grant | undefined> {
    return this.commits.run(() => {
      const { changes } = prepared(
        this.db,
        "UPDATE grants SET reviewed_by = ?, reviewed_at = ?, updated_at = ? WHERE id = ? AND break_glass = 1 AND reviewed_at IS NULL",
      ).run(reviewerId, this.clock.now(), this.clock.now(), grantId);
      if (changes !== 1) return undefined;
      const reviewed = this.mustGet(grantId);
      this.appendAudit(reviewed, note);
      return reviewed;
    });
  }

  /** For the sibling stores (extensions): an audit record on a grant inside their own transaction. */
  appendNote(grantId: string, note: AuditNote): void {
    this.appendAudit(this.mustGet(grantId), note);
  }

  /** For the sibling stores: adds an approver the domain has counted (inside their own transaction). */
  addApprover(subjectId: string, approverId: string): void {
    const { changes } = prepared(this.db, "INSERT OR IGNORE INTO approvals (subject_id, approver_id, at) VALUES (?, ?, ?)").run(
      subjectId,
      approverId,
      this.clock.now(),
    );
    if (changes !== 1) throw new Error(`approval of ${subjectId} by ${approverId} changed inside a transaction`);
  }

  /** The distinct approvers of a request or extension, in the order they approved. */
  approverIds(subjectId: string): string[] {
    return prepared<[string], { approver_id: string }>(
      this.db,
      "SELECT approver_id FROM approvals WHERE subject_id = ? ORDER BY at, approver_id",
    )
      .all(subjectId)
      .map((row) => row.approver_id);
  }

  async listByStatus(statuses: readonly GrantStatus[]): Promise<Grant[]> {
    const placeholders = statuses.map(() => "?").join(", ");
    const rows = prepared<GrantStatus[], GrantRow>(
      this.db,
      `SELECT * FROM grants WHERE status IN (${placeholders}) ORDER BY created_at`,
    ).all(...statuses);
    return rows.map(grantFromRow);
  }

  async listPendingCreatedBefore(before: number): Promise<Grant[]> {
    return prepared<[number], GrantRow>(this.db, "SELECT * FROM grants WHERE status = 'pending' AND created_at <= ? ORDER BY created_at")
      .all(before)
      .map(grantFromRow);
  }

  async listExpired(now: number): Promise<Grant[]> {
    const rows = prepared<[number], GrantRow>(
      this.db,
      "SELECT * FROM grants WHERE status = 'active' AND expires_at <= ? ORDER BY expires_at",
    ).all(now);
    return rows.map(grantFromRow);
  }

  async nextExpiry(): Promise<number | undefined> {
    const row = prepared<[], { next: number | null }>(this.db, "SELECT min(expires_at) AS next FROM grants WHERE status = 'active'").get();
    return row?.next ?? undefined;
  }

  async holders(target: AssignmentTarget | MembershipTarget, excludeId: string): Promise<Holders> {
    // Aggregated in SQL: one person may hold one target through many grants, and only these three facts are needed.
    const [where, params] = isMembership(target)
      ? ["group_id = ? AND principal_id = ?", [target.groupId, target.principalId]]
      : ["account_id = ? AND permission_set = ? AND principal_id = ?", [target.accountId, target.permissionSetName, target.principalId]];
    // One query: the window functions count every holder before LIMIT keeps the oldest few.
    const rows = prepared<string[], { id: string; n: number; keeps: number }>(
      this.db,
      `SELECT id, count(*) OVER () AS n, max(keeps_assignment) OVER () AS keeps
         FROM grants WHERE ${where} AND id <> ? AND status IN (${statusList(HOLDING_STATUSES)})
         ORDER BY created_at, id LIMIT ${HOLDER_IDS_SHOWN}`,
    ).all(...params, excludeId);
    return { count: rows[0]?.n ?? 0, ids: rows.map((row) => row.id), keepsAssignment: rows[0]?.keeps === 1 };
  }

  private compareAndSet(id: string, from: GrantStatus, to: GrantStatus, changes: GrantChanges): Grant | undefined {
    const { sql, params } = changeAssignments(changes);
    const result = prepared(
      this.db,
      `UPDATE grants SET ${["status = @to", "updated_at = @now", ...sql].join(", ")}
         WHERE id = @id AND status = @from`,
    ).run({ ...params, id, from, to, now: this.clock.now() });
    return result.changes === 1 ? this.mustGet(id) : undefined;
  }

  private mustGet(id: string): Grant {
    const row = this.selectGrant.get(id);
    if (!row) throw new Error(`grant ${id} vanished inside a transaction`);
    return grantFromRow(row);
  }

  private appendAudit(grant: Grant, note: AuditNote): void {
    this.audit.append({
      at: this.clock.now(),
      action: note.action,
      actorId: note.actorId,
      grantId: grant.id,
      accountId: grant.accountId,
      permissionSet: grant.permissionSetName,
      detail: auditDetail(grant, note, this.audit.awsRequestIdsOf(grant.id), this.approverIds(grant.id)),
    });
  }
}
