// SQLite implementation of the operation log.
import type { Clock } from "../../domain/clock.js";
import type { AssignmentTarget, FinishedState, Operation, OperationKind, OperationLog, OperationTarget } from "../../services/ports.js";
import { prepared, type SqliteDatabase } from "./database.js";
import { groupCommit, type GroupCommit } from "./group-commit.js";
import { changesAssignment, MEMBERSHIPS_ADDED_BY_US, operationFromRow, targetColumns, type OperationRow } from "../operation-rows.js";

export class SqliteOperationLog implements OperationLog {
  private readonly commits: GroupCommit;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly clock: Clock,
  ) {
    this.commits = groupCommit(db);
  }

  async intend(grantId: string | null, kind: OperationKind, target: OperationTarget): Promise<Operation> {
    const now = this.clock.now();
    const { accountId, permissionSet, principalId, principalType, groupId } = targetColumns(target);
    return this.commits.run(() => {
      const { lastInsertRowid } = prepared(
        this.db,
        `INSERT INTO operations (grant_id, kind, account_id, permission_set, principal_id, principal_type, group_id, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'intended', ?, ?)`,
      ).run(grantId, kind, accountId, permissionSet, principalId, principalType, groupId, now, now);
      return this.mustGet(Number(lastInsertRowid));
    });
  }

  async started(id: number, requestId: string): Promise<void> {
    const start = prepared(
      this.db,
      "UPDATE operations SET state = 'started', request_id = ?, updated_at = ? WHERE id = ? AND state = 'intended'",
    );
    await this.commits.run(() => start.run(requestId, this.clock.now(), id));
  }

  async finished(id: number, state: FinishedState, failureReason?: string): Promise<boolean> {
    const { changes } = await this.commits.run(() =>
      prepared(
        this.db,
        `UPDATE operations SET state = ?, failure_reason = ?, updated_at = ?
         WHERE id = ? AND state IN ('intended', 'started')`,
      ).run(state, failureReason ?? null, this.clock.now(), id),
    );
    return changes > 0;
  }

  async latest(grantId: string, kind: OperationKind): Promise<Operation | undefined> {
    const row = prepared<[string, OperationKind], OperationRow>(
      this.db,
      "SELECT * FROM operations WHERE grant_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
    ).get(grantId, kind);
    return row && operationFromRow(row);
  }

  async latestUnattached(kind: OperationKind, target: AssignmentTarget): Promise<Operation | undefined> {
    const row = prepared<[OperationKind, string, string, string, string], OperationRow>(
      this.db,
      `SELECT * FROM operations
         WHERE grant_id IS NULL AND kind = ? AND account_id = ? AND permission_set = ? AND principal_id = ? AND principal_type = ?
         ORDER BY id DESC LIMIT 1`,
    ).get(kind, target.accountId, target.permissionSetName, target.principalId, target.principalType ?? "USER");
    return row && operationFromRow(row);
  }

  async unfinished(): Promise<Operation[]> {
    return prepared<[], OperationRow>(this.db, "SELECT * FROM operations WHERE state IN ('intended', 'started') ORDER BY id")
      .all()
      .map(operationFromRow);
  }

  async lastFinishedOn(target: AssignmentTarget): Promise<Operation | undefined> {
    const row = prepared<[string, string, string], OperationRow>(
      this.db,
      `SELECT * FROM operations
         WHERE account_id = ? AND permission_set = ? AND principal_id = ? AND state IN ('succeeded', 'absent')
           AND ${changesAssignment("operations")}
         ORDER BY id DESC LIMIT 1`,
    ).get(target.accountId, target.permissionSetName, target.principalId);
    return row && operationFromRow(row);
  }

  async createdByUs(): Promise<Operation[]> {
    const memberships = prepared<[], OperationRow>(this.db, MEMBERSHIPS_ADDED_BY_US).all();
    return [...this.assignmentsCreatedByUs(), ...memberships.map(operationFromRow)];
  }

  private assignmentsCreatedByUs(): Operation[] {
    return prepared<[], OperationRow>(
      this.db,
      `SELECT o.* FROM operations o
         WHERE o.kind = 'create' AND o.state = 'succeeded'
           AND o.id = (SELECT max(l.id) FROM operations l
                       WHERE l.account_id = o.account_id AND l.permission_set = o.permission_set
                         AND l.principal_id = o.principal_id AND l.state IN ('succeeded', 'absent')
                         AND ${changesAssignment("l")})
         ORDER BY o.id`,
    )
      .all()
      .map(operationFromRow);
  }

  async forGrant(grantId: string): Promise<Operation[]> {
    return prepared<[string], OperationRow>(this.db, "SELECT * FROM operations WHERE grant_id = ? ORDER BY id")
      .all(grantId)
      .map(operationFromRow);
  }

  private mustGet(id: number): Operation {
    const row = prepared<[number], OperationRow>(this.db, "SELECT * FROM operations WHERE id = ?").get(id);
    if (!row) throw new Error(`operation ${id} vanished`);
    return operationFromRow(row);
  }
}
