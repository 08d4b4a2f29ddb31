// Read-only looks at the bot's SQLite file while it runs (WAL lets readers in beside the writer).
import Database from "better-sqlite3";

export interface PendingApproval {
  readonly grantId: string;
  readonly requesterId: string;
  readonly channel: string;
  readonly ts: string;
}

export interface EndedGrant {
  readonly id: string;
  readonly status: string;
  readonly principalId: string | null;
  readonly expiresAt: number | null;
  readonly endedAt: number | null;
}

function withDb<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Pending requests whose approval message has been posted, oldest first. */
export function pendingApprovals(file: string): PendingApproval[] {
  return withDb(file, (db) =>
    db
      .prepare<[], PendingApproval>(
        `SELECT id AS grantId, requester_id AS requesterId, approval_channel AS channel, approval_ts AS ts FROM grants
         WHERE status = 'pending' AND approval_ts IS NOT NULL ORDER BY created_at`,
      )
      .all(),
  );
}

export function statusCounts(file: string): Record<string, number> {
  return withDb(file, (db) => {
    const rows = db.prepare<[], { status: string; n: number }>("SELECT status, count(*) AS n FROM grants GROUP BY status").all();
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  });
}

/** Pending requests still waiting for their approval message to be posted. */
/** Requests stored, whatever became of them since. */
export function storedRequests(file: string): number {
  return withDb(file, (db) => db.prepare<[], { n: number }>("SELECT count(*) AS n FROM grants").get()?.n ?? 0);
}

export function unpostedRequests(file: string): number {
  return withDb(file, (db) => {
    const row = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM grants WHERE status = 'pending' AND approval_ts IS NULL").get();
    return row?.n ?? 0;
  });
}

export function grantsByIds(file: string, ids: readonly string[]): EndedGrant[] {
  const wanted = new Set(ids);
  return withDb(file, (db) =>
    db
      .prepare<[], EndedGrant>("SELECT id, status, principal_id AS principalId, expires_at AS expiresAt, ended_at AS endedAt FROM grants")
      .all()
      .filter((grant) => wanted.has(grant.id)),
  );
}

/** Audit actions and the error code in their detail, counted. */
export function auditActionCounts(file: string, action: string): Record<string, number> {
  return withDb(file, (db) => {
    const rows = db
      .prepare<[string], { code: string | null; n: number }>(
        "SELECT json_extract(detail, '$.code') AS code, count(*) AS n FROM audit_events WHERE action = ? GROUP BY code",
      )
      .all(action);
    return Object.fromEntries(rows.map((row) => [row.code ?? "none", row.n]));
  });
}

/** When each grant first got an audit record with this action (epoch ms), by grant id. */
export function firstAuditTimes(file: string, action: string): Map<string, number> {
  return withDb(file, (db) => {
    const rows = db
      .prepare<[string], { grantId: string; at: number }>(
        "SELECT grant_id AS grantId, min(at) AS at FROM audit_events WHERE action = ? GROUP BY grant_id",
      )
      .all(action);
    return new Map(rows.map((row) => [row.grantId, row.at]));
  });
}
