// Signed checkpoints in SQLite, and the sinks' progress.
import type { Checkpoint } from "../../audit/checkpoint.js";
import type { CheckpointStore } from "../backend.js";
import type { SqliteDatabase } from "./database.js";
import { groupCommit, type GroupCommit } from "./group-commit.js";

interface CheckpointRow {
  seq: number;
  hash: string;
  at: number;
  key_id: string;
  signature: string;
}

export const CHECKPOINT_COLUMNS = "seq, hash, at, key_id, signature";

export function checkpointFromRow(row: CheckpointRow): Checkpoint {
  return { seq: row.seq, hash: row.hash, at: row.at, keyId: row.key_id, signature: row.signature };
}

export class SqliteCheckpoints implements CheckpointStore {
  private readonly commits: GroupCommit;
  private readonly selectAll;
  private readonly selectLatest;
  private readonly insert;
  private readonly progress;
  private readonly setProgress;

  constructor(db: SqliteDatabase) {
    this.commits = groupCommit(db);
    this.selectAll = db.prepare<[], CheckpointRow>(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq`);
    this.selectLatest = db.prepare<[], CheckpointRow>(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`);
    this.insert = db.prepare(
      `INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES (@seq, @hash, @at, @keyId, @signature)
       ON CONFLICT (seq) DO NOTHING`,
    );
    this.progress = db.prepare<[string], { through_seq: number }>("SELECT through_seq FROM audit_sink_progress WHERE sink = ?");
    this.setProgress = db.prepare<[string, number]>(
      `INSERT INTO audit_sink_progress (sink, through_seq) VALUES (?, ?)
       ON CONFLICT (sink) DO UPDATE SET through_seq = excluded.through_seq`,
    );
  }

  async all(): Promise<Checkpoint[]> {
    return this.selectAll.all().map(checkpointFromRow);
  }

  async latest(): Promise<Checkpoint | undefined> {
    const row = this.selectLatest.get();
    return row && checkpointFromRow(row);
  }

  async add(checkpoint: Checkpoint): Promise<void> {
    await this.commits.run(() => this.insert.run({ ...checkpoint }));
  }

  async sinkProgress(sink: string): Promise<number> {
    return this.progress.get(sink)?.through_seq ?? 0;
  }

  async setSinkProgress(sink: string, throughSeq: number): Promise<void> {
    await this.commits.run(() => this.setProgress.run(sink, throughSeq));
  }
}
