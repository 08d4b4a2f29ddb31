// Brings a PostgreSQL database's schema up to date. Replicas starting together take turns on an
// advisory lock, so exactly one applies each missing migration; each applies in its own transaction.
import type { Pool, PoolClient } from "pg";
import { cannotConnect } from "./pool.js";
import {
  APPROVAL_NUDGES,
  ACTIVITY_DIGESTS,
  APPROVER_MESSAGES,
  AUDIT_CHECKPOINTS,
  GROUP_ACCESS,
  INITIAL_SCHEMA,
  ORGANIZATION_CACHE,
  REQUEST_BUNDLES,
  SEEN_REQUESTS,
  SESSION_FENCE,
  UNATTACHED_OPERATIONS,
} from "./schema.js";
import { selectRow, type Queryable } from "./sql.js";
import { errorText } from "../../domain/errors.js";

/** Schema versions in order: version n is POSTGRES_MIGRATIONS[n - 1]. Append new ones; never edit an applied one. */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  INITIAL_SCHEMA,
  SEEN_REQUESTS,
  APPROVER_MESSAGES,
  AUDIT_CHECKPOINTS,
  UNATTACHED_OPERATIONS,
  SESSION_FENCE,
  ORGANIZATION_CACHE,
  REQUEST_BUNDLES,
  APPROVAL_NUDGES,
  ACTIVITY_DIGESTS,
  GROUP_ACCESS,
];

/** Any fixed 64-bit number will do, as long as nothing else on the database uses it: "jit-slk\0". */
const MIGRATION_LOCK_KEY = "7667787579133815552";

/** The schema version a database is at: 0 before the first migration. */
async function schemaVersion(db: Queryable): Promise<number> {
  const table = await selectRow<{ exists: boolean }>(db, "SELECT to_regclass('schema_version') IS NOT NULL AS exists");
  if (!table?.exists) return 0;
  return (await selectRow<{ version: number }>(db, "SELECT version FROM schema_version WHERE id = 1"))?.version ?? 0;
}

/**
 * For the bot's own role, which may not be allowed to migrate: nothing to do when the schema is
 * current; otherwise migrates, and when the role may not, says how to migrate as the owner.
 */
export async function migrateIfBehind(pool: Pool, location: string): Promise<void> {
  const current = await schemaVersion(pool).catch((error: unknown) => {
    throw cannotConnect(location, error);
  });
  if (current === POSTGRES_MIGRATIONS.length) return;
  try {
    await migrate(pool, location);
  } catch (error) {
    if (!isPermissionDenied(error)) throw error;
    throw new Error(
      `the schema is at version ${current} and this build needs ${POSTGRES_MIGRATIONS.length}, but the role in DATABASE_URL may not change it ` +
        `(${(error as Error).message}). Migrate as the tables' owner: set DATABASE_MIGRATION_URL, or run jit-admin migrate with it.`,
      { cause: error },
    );
  }
}

function isPermissionDenied(error: unknown): boolean {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error && "code" in cause && cause.code === "42501";
}

/** `location` is the redacted URL, to name in the error when the server cannot be reached. */
export async function migrate(pool: Pool, location: string): Promise<void> {
  const client = await pool.connect().catch((error: unknown) => {
    throw cannotConnect(location, error);
  });
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await applyMissing(client);
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    client.release();
  } catch (error) {
    // Ending the session lets go of the advisory lock whatever state the connection is in.
    client.release(true);
    throw error;
  }
}

async function applyMissing(client: PoolClient): Promise<void> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS schema_version (
      id      SMALLINT PRIMARY KEY CHECK (id = 1),
      version INTEGER NOT NULL
    );
    INSERT INTO schema_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
  `);
  const current = (await selectRow<{ version: number }>(client, "SELECT version FROM schema_version WHERE id = 1"))?.version ?? 0;
  const known = POSTGRES_MIGRATIONS.length;
  if (current > known) {
    throw new Error(`The database is at schema version ${current}, newer than this build knows (${known}). Upgrade jit-slack.`);
  }
  for (const [index, migration] of POSTGRES_MIGRATIONS.slice(current).entries()) {
    const version = current + index + 1;
    await client.query("BEGIN");
    try {
      await client.query(migration);
      await client.query("UPDATE schema_version SET version = $1 WHERE id = 1", [version]);
      await client.query("COMMIT");
    } catch (error) {
      // The caller discards this connection, so a failed ROLLBACK changes nothing.
      await client.query("ROLLBACK").catch(() => undefined);
      const reason = errorText(error);
      throw new Error(`PostgreSQL schema migration to version ${version} failed: ${reason}`, { cause: error });
    }
  }
}
