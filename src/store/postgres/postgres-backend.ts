// The PostgreSQL store backend: one pool shared by every repository, the schema brought up to date
// on open. Several replicas may use one database at once.
import { withoutPassword } from "../../config/env.js";
import type { Clock } from "../../domain/clock.js";
import { DatabaseUnavailable, type StoreBackend } from "../backend.js";
import { PostgresApprovalNudges } from "./approval-nudges.js";
import { PostgresActivityDigests } from "./activity-digests.js";
import { PostgresApproverMessages } from "./approver-messages.js";
import { PostgresAuditTrail } from "./audit-trail.js";
import { PostgresCheckpoints } from "./checkpoints.js";
import { PostgresExtensions } from "./extensions.js";
import { PostgresFenceEntries } from "./fence-entries.js";
import { PostgresAccessHistory } from "./access-history.js";
import { PostgresOrganizationSnapshots } from "./organization-snapshots.js";
import { PostgresGrantStore } from "./grant-store.js";
import { PostgresLeases } from "./leases.js";
import { PostgresMetricsSource } from "./metrics.js";
import { migrate, migrateIfBehind } from "./migrations.js";
import { PostgresOperationLog } from "./operation-log.js";
import { PostgresOutbox } from "./outbox.js";
import { cannotConnect, createPool } from "./pool.js";
import { auditTamperingRights, currentRole, grantRuntime } from "./privileges.js";
import { PostgresSeenRequests } from "./seen-requests.js";
import { selectRow, type Queryable } from "./sql.js";

/**
 * Connections of their own for the replay check made before each ack, so an ack never waits in the
 * pool behind the work of the requests before it.
 */
const SCREENING_POOL_SIZE = 2;

/**
 * With `migrationUrl` (the tables' owner) the schema is migrated as the owner, who then grants the
 * bot's role what it needs; without, the bot's role migrates when the schema is behind, if it may.
 */
export async function openPostgresBackend(url: string, clock: Clock, migrationUrl?: string): Promise<StoreBackend> {
  const location = withoutPassword(url);
  const pool = createPool(url);
  try {
    if (migrationUrl) await migrateAsOwner(migrationUrl, pool, location);
    else await migrateIfBehind(pool, location);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const screening = createPool(url, SCREENING_POOL_SIZE);
  return {
    kind: "postgres",
    location,
    store: new PostgresGrantStore(pool, clock),
    operations: new PostgresOperationLog(pool, clock),
    extensions: new PostgresExtensions(pool, clock),
    audit: new PostgresAuditTrail(pool),
    checkpoints: new PostgresCheckpoints(pool),
    outbox: new PostgresOutbox(pool, clock),
    metrics: new PostgresMetricsSource(pool),
    leases: new PostgresLeases(pool),
    seenRequests: new PostgresSeenRequests(screening, () => clock.now()),
    approverMessages: new PostgresApproverMessages(pool),
    nudges: new PostgresApprovalNudges(pool, clock),
    fenceEntries: new PostgresFenceEntries(pool),
    history: new PostgresAccessHistory(pool),
    organizationSnapshots: new PostgresOrganizationSnapshots(pool),
    activityDigests: new PostgresActivityDigests(pool, clock),
    async auditSafety() {
      const rights = await auditTamperingRights(pool);
      const role = await currentRole(pool);
      return { refusals: rights.map((right) => `the role ${role} ${right}`), warnings: [] };
    },
    check: () => checkSession(pool),
    close: async () => {
      await Promise.all([pool.end(), screening.end()]);
    },
  };
}

/** Throws DatabaseUnavailable when the sessions cannot write: a standby, or read-only sessions. */
export async function checkSession(pool: Queryable): Promise<void> {
  const sessionState = () =>
    selectRow<{ standby: boolean; read_only: string }>(
      pool,
      "SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS read_only",
    );
  // A pooled connection the server has ended (a restart, a failover, an administrator) fails once
  // and leaves the pool: asked again on a fresh one, the check reports the server as it is now.
  const row = await sessionState().catch((error: unknown) => {
    if (endedByServer(error)) return sessionState();
    throw error;
  });
  if (row?.standby !== false) throw new DatabaseUnavailable("standby", "PostgreSQL is a read-only standby");
  if (row.read_only === "on")
    throw new DatabaseUnavailable("read_only", "PostgreSQL sessions are read-only (default_transaction_read_only is on)");
}

/** admin_shutdown, crash_shutdown, cannot_connect_now (PostgreSQL error codes, class 57), or the socket closed under the query. */
const SESSION_ENDED = new Set(["57P01", "57P02", "57P03", "ECONNRESET", "EPIPE"]);

function endedByServer(error: unknown): boolean {
  const code = typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : "";
  return SESSION_ENDED.has(code) || (error instanceof Error && /Connection terminated/i.test(error.message));
}

/** Migrates as the owner and grants the bot's role (the one `pool` connects as) what it needs. */
export async function migrateAsOwner(
  migrationUrl: string,
  pool: ReturnType<typeof createPool>,
  location: string,
): Promise<{ owner: string; runtime: string }> {
  const owner = createPool(migrationUrl, 1);
  try {
    await migrate(owner, withoutPassword(migrationUrl));
    const [ownerRole, runtimeRole] = await Promise.all([
      currentRole(owner),
      currentRole(pool).catch((error: unknown) => {
        throw cannotConnect(location, error);
      }),
    ]);
    if (ownerRole !== runtimeRole) await grantRuntime(owner, runtimeRole);
    return { owner: ownerRole, runtime: runtimeRole };
  } finally {
    await owner.end();
  }
}
