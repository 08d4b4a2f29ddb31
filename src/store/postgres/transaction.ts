// Runs work in one transaction on one pooled connection, retrying when PostgreSQL aborted it only
// because of a concurrent transaction (a serialization failure or a deadlock it broke).
import type { Pool, PoolClient } from "pg";
import { sleep } from "../../domain/clock.js";

export interface TransactionMode {
  readonly isolation?: "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE";
  readonly readOnly?: boolean;
}

const MAX_ATTEMPTS = 4;
const RETRYABLE = new Set(["40001", "40P01"]);

export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, mode: TransactionMode = {}): Promise<T> {
  const begin = `BEGIN ISOLATION LEVEL ${mode.isolation ?? "READ COMMITTED"}${mode.readOnly ? " READ ONLY" : ""}`;
  for (let attempt = 1; ; attempt += 1) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      broken = !(await rollback(client));
      if (attempt < MAX_ATTEMPTS && isRetryable(error)) {
        await pause(attempt);
        continue;
      }
      throw error;
    } finally {
      // A connection that could not roll back may be mid-transaction: destroy it rather than reuse it.
      client.release(broken);
    }
  }
}

async function rollback(client: PoolClient): Promise<boolean> {
  try {
    await client.query("ROLLBACK");
    return true;
  } catch {
    return false;
  }
}

function isRetryable(error: unknown): boolean {
  return error instanceof Error && "code" in error && typeof error.code === "string" && RETRYABLE.has(error.code);
}

/** A short random wait, growing with each attempt, so the transactions that collided do not collide again. */
function pause(attempt: number): Promise<void> {
  return sleep(Math.random() * 10 * attempt);
}
