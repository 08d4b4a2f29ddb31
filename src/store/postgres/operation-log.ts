// The operation log in PostgreSQL: written before each AWS call and after its outcome.
import type { Pool } from "pg";
import type { Clock } from "../../domain/clock.js";
import type { AssignmentTarget, FinishedState, Operation, OperationKind, OperationLog, OperationTarget } from "../../services/ports.js";
import { changesAssignment, MEMBERSHIPS_ADDED_BY_US, operationFromRow, targetColumns, type OperationRow } from "../operation-rows.js";
import { selectRow, selectRows } from "./sql.js";

export class PostgresOperationLog implements OperationLog {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  async intend(grantId: string | null, kind: OperationKind, target: OperationTarget): Promise<Operation> {
    const { accountId, permissionSet, principalId, principalType, groupId } = targetColumns(target);
    const row = await selectRow<OperationRow>(
      this.pool,
      `INSERT INTO operations (grant_id, kind, account_id, permission_set, principal_id, principal_type, group_id, state, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'intended', $8, $8) RETURNING *`,
      [grantId, kind, accountId, permissionSet, principalId, principalType, groupId, this.clock.now()],
    );
    if (!row) throw new Error(`the ${kind} operation for ${grantId === null ? "no grant" : `grant ${grantId}`} was not stored`);
    return operationFromRow(row);
  }

  async started(id: number, requestId: string): Promise<void> {
    await this.pool.query(
      "UPDATE operations SET state = 'started', request_id = $2, updated_at = $3 WHERE id = $1 AND state = 'intended'",
      [id, requestId, this.clock.now()],
    );
  }

  async finished(id: number, state: FinishedState, failureReason?: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE operations SET state = $2, failure_reason = $3, updated_at = $4
       WHERE id = $1 AND state IN ('intended', 'started')`,
      [id, state, failureReason ?? null, this.clock.now()],
    );
    return (rowCount ?? 0) > 0;
  }

  async latest(grantId: string, kind: OperationKind): Promise<Operation | undefined> {
    const row = await selectRow<OperationRow>(
      this.pool,
      "SELECT * FROM operations WHERE grant_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1",
      [grantId, kind],
    );
    return row && operationFromRow(row);
  }

  async latestUnattached(kind: OperationKind, target: AssignmentTarget): Promise<Operation | undefined> {
    const row = await selectRow<OperationRow>(
      this.pool,
      `SELECT * FROM operations
       WHERE grant_id IS NULL AND kind = $1 AND account_id = $2 AND permission_set = $3 AND principal_id = $4 AND principal_type = $5
       ORDER BY id DESC LIMIT 1`,
      [kind, target.accountId, target.permissionSetName, target.principalId, target.principalType ?? "USER"],
    );
    return row && operationFromRow(row);
  }

  async unfinished(): Promise<Operation[]> {
    const rows = await selectRows<OperationRow>(this.pool, "SELECT * FROM operations WHERE state IN ('intended', 'started') ORDER BY id");
    return rows.map(operationFromRow);
  }

  async lastFinishedOn(target: AssignmentTarget): Promise<Operation | undefined> {
    const row = await selectRow<OperationRow>(
      this.pool,
      `SELECT * FROM operations
       WHERE account_id = $1 AND permission_set = $2 AND principal_id = $3 AND state IN ('succeeded', 'absent')
         AND ${changesAssignment("operations")}
       ORDER BY id DESC LIMIT 1`,
      [target.accountId, target.permissionSetName, target.principalId],
    );
    return row && operationFromRow(row);
  }

  async createdByUs(): Promise<Operation[]> {
    const rows = await selectRows<OperationRow>(
      this.pool,
      `SELECT o.* FROM operations o
       WHERE o.kind = 'create' AND o.state = 'succeeded'
         AND o.id = (SELECT max(l.id) FROM operations l
                     WHERE l.account_id = o.account_id AND l.permission_set = o.permission_set
                       AND l.principal_id = o.principal_id AND l.state IN ('succeeded', 'absent')
                       AND ${changesAssignment("l")})
       ORDER BY o.id`,
    );
    const memberships = await selectRows<OperationRow>(this.pool, MEMBERSHIPS_ADDED_BY_US);
    return [...rows, ...memberships].map(operationFromRow);
  }

  async forGrant(grantId: string): Promise<Operation[]> {
    const rows = await selectRows<OperationRow>(this.pool, "SELECT * FROM operations WHERE grant_id = $1 ORDER BY id", [grantId]);
    return rows.map(operationFromRow);
  }
}
