// The PostgreSQL store backend: one pool shared by every repository, the schema brought up to date
// on open. Several replicas may use one database at once.
import { withoutPassword } from "../../config/env.js";
import type { Clock } from "../../domain/clock.js";
import type { StoreBackend } from "../backend.js";
import { PostgresAuditTrail } from "./audit-trail.js";
import { PostgresCheckpoints } from "./checkpoints.js";
import { PostgresExtensions } from "./extensions.js";
import { PostgresGrantStore } from "./grant-store.js";
import { PostgresLeases } from "./leases.js";
import { PostgresMetricsSource } from "./metrics.js";
import { migrate } from "./migrations.js";
import { PostgresOperationLog } from "./operation-log.js";
import { PostgresOutbox } from "./outbox.js";
import { createPool } from "./pool.js";
import { PostgresSeenRequests } from "./seen-requests.js";
import { selectRow } from "./sql.js";

/**
 * Connections of their own for the replay check made before each ack, so an ack never waits in the
 * pool behind the work of the requests before it.
 */
const SCREENING_POOL_SIZE = 2;

export async function openPostgresBackend(url: string, clock: Clock): Promise<StoreBackend> {
  const location = withoutPassword(url);
  const pool = createPool(url);
  try {
    await migrate(pool, location);
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
    async check() {
      const row = await selectRow<{ standby: boolean; read_only: string }>(
        pool,
        "SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS read_only",
      );
      if (row?.standby !== false) throw new Error("PostgreSQL is a read-only standby");
      if (row.read_only === "on") throw new Error("PostgreSQL sessions are read-only (default_transaction_read_only is on)");
    },
    close: async () => {
      await Promise.all([pool.end(), screening.end()]);
    },
  };
}
