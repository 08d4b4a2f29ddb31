// What an access review reads, from SQLite.
import type { Grant } from "../../domain/grant.js";
import type { AccessHistory, PeriodRecords } from "../../services/ports.js";
import { grantFromRow, type GrantRow } from "../grant-rows.js";
import {
  activityByGrant,
  approversByGrant,
  extensionCounts,
  PERIOD_GRANTS,
  periodGrantsSql,
  type ActivityRecordRow,
  type ApproverRow,
  type ExtensionCountRow,
} from "../history-sql.js";
import type { SqliteDatabase } from "./database.js";

export class SqliteAccessHistory implements AccessHistory {
  constructor(private readonly db: SqliteDatabase) {}

  async ofPeriod(from: number, to: number): Promise<PeriodRecords> {
    const sql = periodGrantsSql(PERIOD_GRANTS);
    const params = [from, to, to, from];
    // One read transaction: the reads see the same database.
    return this.db.transaction(() => {
      const grants: Grant[] = this.db
        .prepare<number[], GrantRow>(sql.grants)
        .all(...params)
        .map(grantFromRow);
      const approvers = approversByGrant(this.db.prepare<number[], ApproverRow>(sql.approvers).all(...params));
      const extensions = extensionCounts(this.db.prepare<number[], ExtensionCountRow>(sql.extensions).all(...params));
      const activity = activityByGrant(this.db.prepare<number[], ActivityRecordRow>(sql.activity).all(...params));
      return { grants, approvers, extensions, activity };
    })();
  }
}
