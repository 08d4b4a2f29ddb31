// Independent copies of the audit trail (a local file, an object store, the audit channel): each
// receives the checkpoints and, if it keeps them, the records, so the database is not the only witness
// of its own history. The lines they hold are one format, read back by `jit-admin audit verify`.
import type { StoredAuditRecord } from "../domain/audit-event.js";
import type { ChainLink } from "./chain.js";
import { checkpointJson, parseCheckpoint, type Checkpoint } from "./checkpoint.js";

export interface AuditSink {
  /** Names the sink in logs and in the database's record of its progress: "file", "s3", "slack". */
  readonly name: string;
  /** Whether it keeps records as well as checkpoints. */
  readonly keepsRecords: boolean;
  /** Consecutive records, in seq order, following those it already holds. */
  writeRecords(records: readonly StoredAuditRecord[]): Promise<void>;
  writeCheckpoint(checkpoint: Checkpoint): Promise<void>;
}

/** What a sink holds, read back for verification. */
export interface SinkCopy {
  /** Records by seq: the full hash, or (the audit channel) its first digits. */
  readonly recordHashes: ReadonlyMap<number, string>;
  readonly checkpoints: readonly Checkpoint[];
  /** Things about the copy itself worth telling (an unreadable line). */
  readonly notes: readonly string[];
  /**
   * Signs that someone changed the copy itself (an edited or deleted post, an object written over
   * or deleted, a record held twice with different hashes): the bot never does, so verification fails.
   */
  readonly alarms: readonly string[];
}

/** A link as the record it stores: the detail parsed, as the hash covers it. */
export function recordOfLink(link: ChainLink): StoredAuditRecord {
  return {
    seq: link.seq,
    at: link.at,
    action: link.action as StoredAuditRecord["action"],
    actorId: link.actorId,
    grantId: link.grantId,
    accountId: link.accountId,
    permissionSet: link.permissionSet,
    detail: JSON.parse(link.detailJson) as StoredAuditRecord["detail"],
    prevHash: link.prevHash ?? "",
    hash: link.hash ?? "",
  };
}

/** One line of a sink file or object: a record or a checkpoint, told apart by `type`. */
export function recordLine(record: StoredAuditRecord): string {
  return `${JSON.stringify({ type: "record", ...record })}\n`;
}

export function checkpointLine(checkpoint: Checkpoint): string {
  return `${JSON.stringify({ type: "checkpoint", ...(JSON.parse(checkpointJson(checkpoint)) as object) })}\n`;
}

export type SinkLine =
  | { readonly type: "record"; readonly record: StoredAuditRecord }
  | { readonly type: "checkpoint"; readonly checkpoint: Checkpoint };

/** A line read back; undefined for one that is neither a record nor a checkpoint. */
export function parseSinkLine(line: string): SinkLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  const { type, ...rest } = value as Record<string, unknown>;
  if (type === "checkpoint") {
    const checkpoint = parseCheckpoint(rest);
    return checkpoint && { type, checkpoint };
  }
  if (type === "record" && isStoredRecord(rest)) return { type, record: rest };
  return undefined;
}

function isStoredRecord(value: Record<string, unknown>): value is StoredAuditRecord & Record<string, unknown> {
  return (
    Number.isSafeInteger(value.seq) &&
    Number.isSafeInteger(value.at) &&
    ["action", "actorId", "grantId", "accountId", "permissionSet", "prevHash", "hash"].every((key) => typeof value[key] === "string") &&
    value.detail !== null &&
    typeof value.detail === "object" &&
    !Array.isArray(value.detail)
  );
}

/** A copy made of sink lines: the records' hashes and the checkpoints, and what could not be read. */
export function copyOfLines(lines: Iterable<string>, where: string): SinkCopy & { readonly records: StoredAuditRecord[] } {
  const recordHashes = new Map<number, string>();
  const records: StoredAuditRecord[] = [];
  const checkpoints: Checkpoint[] = [];
  const conflicting: number[] = [];
  let unreadable = 0;
  for (const line of lines) {
    if (line.trim() === "") continue;
    const parsed = parseSinkLine(line);
    if (!parsed) unreadable += 1;
    else if (parsed.type === "checkpoint") checkpoints.push(parsed.checkpoint);
    else {
      const earlier = recordHashes.get(parsed.record.seq);
      if (earlier !== undefined && earlier !== parsed.record.hash) conflicting.push(parsed.record.seq);
      // A line repeated after a crash is the same record again; the first copy stands.
      if (earlier === undefined) {
        recordHashes.set(parsed.record.seq, parsed.record.hash);
        records.push(parsed.record);
      }
    }
  }
  const notes =
    unreadable > 0
      ? [
          `${unreadable} line${unreadable === 1 ? "" : "s"} of ${where} ${unreadable === 1 ? "is" : "are"} neither a record nor a checkpoint`,
        ]
      : [];
  const alarms = conflicting.map((seq) => `${where} holds record #${seq} twice, with different hashes`);
  return { recordHashes, records, checkpoints, notes, alarms };
}
