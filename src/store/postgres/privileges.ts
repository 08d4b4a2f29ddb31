// Least privilege on PostgreSQL: the role that migrates owns the tables; the bot runs as another
// role that may append to the audit trail and read it, but not change or remove a record, disable
// or drop the triggers that keep it append-only, or empty it. This file holds the grants that role
// needs and the check that the bot's role has no more than that.
import pg from "pg";
import type { Queryable } from "./sql.js";
import { selectRow, selectRows } from "./sql.js";

/** The audit tables: what the bot's role must not be able to alter. */
const AUDIT_TABLES = ["audit_events", "audit_head", "audit_checkpoints"] as const;
/** The functions the append-only triggers run; whoever owns them can make them allow anything. */
const TRIGGER_FUNCTIONS = ["refuse_audit_change", "audit_events_only_delivery", "audit_head_forward_only"] as const;
/** The columns of a record: audit_events may be updated only in delivered_at (a trigger holds the rest too). */
const RECORD_COLUMNS = [
  "seq",
  "at",
  "action",
  "actor_id",
  "grant_id",
  "account_id",
  "permission_set",
  "detail",
  "prev_hash",
  "hash",
] as const;
/** Tables of ordinary state, which the bot reads and writes freely. */
const STATE_TABLES = [
  "grants",
  "operations",
  "approvals",
  "extensions",
  "leases",
  "audit_posting",
  "seen_requests",
  "audit_sink_progress",
  "approver_messages",
  "fence_entries",
  "organization_snapshot",
  "approval_nudges",
  "activity_digests",
] as const;

/**
 * The grants the bot's role needs, on the schema the tables are in: everything on the state tables;
 * on the audit trail only SELECT and INSERT, plus the delivery mark of a record and the head's
 * counter (which a trigger lets move forward only).
 */
function runtimeGrants(role: string): string[] {
  const to = pg.escapeIdentifier(role);
  return [
    `GRANT USAGE ON SCHEMA public TO ${to}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${STATE_TABLES.join(", ")} TO ${to}`,
    `GRANT USAGE, SELECT ON SEQUENCE operations_id_seq TO ${to}`,
    `GRANT SELECT ON schema_version TO ${to}`,
    `GRANT SELECT, INSERT ON audit_events, audit_checkpoints TO ${to}`,
    `GRANT UPDATE (delivered_at) ON audit_events TO ${to}`,
    `GRANT SELECT, UPDATE (seq, hash) ON audit_head TO ${to}`,
  ];
}

/** Applies runtimeGrants as the owner, in one transaction (statements sent together run as one). */
export async function grantRuntime(owner: Queryable, role: string): Promise<void> {
  await owner.query(runtimeGrants(role).join("; "));
}

export async function currentRole(db: Queryable): Promise<string> {
  return (await selectRow<{ role: string }>(db, "SELECT current_user AS role"))?.role ?? "";
}

/**
 * What the connected role could do to the audit trail beyond appending and reading it, one phrase
 * each; empty when nothing. Superusers, owners (and members of the owning role) can drop or
 * disable the triggers; the privileges named can change or remove records directly.
 */
export async function auditTamperingRights(db: Queryable): Promise<string[]> {
  const role = await selectRow<{ superuser: boolean; version: number }>(
    db,
    "SELECT rolsuper AS superuser, current_setting('server_version_num')::int AS version FROM pg_roles WHERE rolname = current_user",
  );
  if (role?.superuser) return ["is a superuser"];
  const owned = await selectRows<{ name: string }>(
    db,
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relname = ANY($1) AND c.relnamespace = 'public'::regnamespace AND pg_has_role(current_user, c.relowner, 'MEMBER')
     UNION ALL
     SELECT p.proname || '()' FROM pg_proc p
      WHERE p.proname = ANY($2) AND p.pronamespace = 'public'::regnamespace AND pg_has_role(current_user, p.proowner, 'MEMBER')
     ORDER BY 1`,
    [AUDIT_TABLES, TRIGGER_FUNCTIONS],
  );
  const rights = owned.map((row) => `owns ${row.name} (or is a member of its owner), so it can drop or disable the append-only triggers`);
  const checks: string[] = [];
  const labels: string[] = [];
  for (const table of AUDIT_TABLES) {
    for (const privilege of ["DELETE", "TRUNCATE", "TRIGGER", ...(table === "audit_checkpoints" ? ["UPDATE"] : [])]) {
      checks.push(`has_table_privilege('public.${table}', '${privilege}')`);
      labels.push(`may ${privilege} ${table}`);
    }
  }
  for (const column of RECORD_COLUMNS) {
    checks.push(`has_column_privilege('public.audit_events', '${column}', 'UPDATE')`);
    labels.push(`may UPDATE audit_events.${column}`);
  }
  // Setting session_replication_role to replica switches triggers off; PostgreSQL 15 can grant it.
  if ((role?.version ?? 0) >= 150_000) {
    checks.push("has_parameter_privilege('session_replication_role', 'SET')");
    labels.push("may SET session_replication_role, which switches the append-only triggers off");
  }
  const row = await selectRow<Record<string, boolean>>(db, `SELECT ${checks.map((check, i) => `${check} AS c${i}`).join(", ")}`);
  labels.forEach((label, i) => {
    if (row?.[`c${i}`]) rights.push(label);
  });
  return rights;
}
