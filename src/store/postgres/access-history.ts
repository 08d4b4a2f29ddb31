// What an access review reads, from PostgreSQL.
import type { Pool } from "pg";
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
import { selectRows } from "./sql.js";

/** `?` placeholders as PostgreSQL's `$n`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export class PostgresAccessHistory implements AccessHistory {
  constructor(private readonly pool: Pool) {}

  async ofPeriod(from: number, to: number): Promise<PeriodRecords> {
    const sql = periodGrantsSql(PERIOD_GRANTS);
    const params = [from, to, to, from];
    const client = await this.pool.connect();
    try {
      // One snapshot for all the reads.
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const grants = (await selectRows<GrantRow>(client, numbered(sql.grants), params)).map(grantFromRow);
      const approvers = approversByGrant(await selectRows<ApproverRow>(client, numbered(sql.approvers), params));
      const extensions = extensionCounts(await selectRows<ExtensionCountRow>(client, numbered(sql.extensions), params));
      const activity = activityByGrant(await selectRows<ActivityRecordRow>(client, numbered(sql.activity), params));
      await client.query("COMMIT");
      return { grants, approvers, extensions, activity };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
