// Signed checkpoints in PostgreSQL, and the sinks' progress.
import type { Pool } from "pg";
import type { Checkpoint } from "../../audit/checkpoint.js";
import type { CheckpointStore } from "../backend.js";
import { selectRow, selectRows } from "./sql.js";

const COLUMNS = `seq, hash, at, key_id AS "keyId", signature`;

export class PostgresCheckpoints implements CheckpointStore {
  constructor(private readonly pool: Pool) {}

  async all(): Promise<Checkpoint[]> {
    return selectRows<Checkpoint>(this.pool, `SELECT ${COLUMNS} FROM audit_checkpoints ORDER BY seq`);
  }

  async latest(): Promise<Checkpoint | undefined> {
    return selectRow<Checkpoint>(this.pool, `SELECT ${COLUMNS} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`);
  }

  async add(checkpoint: Checkpoint): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq) DO NOTHING`,
      [checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.keyId, checkpoint.signature],
    );
  }

  async sinkProgress(sink: string): Promise<number> {
    return (
      (await selectRow<{ through_seq: number }>(this.pool, "SELECT through_seq FROM audit_sink_progress WHERE sink = $1", [sink]))
        ?.through_seq ?? 0
    );
  }

  async setSinkProgress(sink: string, throughSeq: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit_sink_progress (sink, through_seq) VALUES ($1, $2)
       ON CONFLICT (sink) DO UPDATE SET through_seq = EXCLUDED.through_seq`,
      [sink, throughSeq],
    );
  }
}
