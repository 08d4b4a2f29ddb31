// What the rest of the bot needs from a database, whichever engine holds it: SQLite (embedded, one
// process) or PostgreSQL (several replicas). Everything here is async so either can implement it.
import type { AuditOutbox } from "../audit/feed.js";
import type { ChainLink, ChainVerdict, VerifyOptions } from "../audit/chain.js";
import type { ChainScan, ScanRequest } from "../audit/chain-ranges.js";
import type { Checkpoint } from "../audit/checkpoint.js";
import type { StoredAuditRecord } from "../domain/audit-event.js";
import type { ExtensionStore, GrantStore, Leases, MetricsSource, OperationLog } from "../services/ports.js";
import type {
  AccessHistory,
  ActivityDigests,
  ApprovalNudges,
  ApproverMessages,
  FenceEntries,
  OrganizationSnapshots,
  SeenRequests,
} from "../services/ports.js";

export type { Leases };

/** Why the database cannot take writes now: `code` in a word (what /readyz shows), the message in full (for the log). */
export class DatabaseUnavailable extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AuditPeriod {
  /** Inclusive, epoch ms. */
  readonly from?: number;
  /** Exclusive, epoch ms. */
  readonly until?: number;
}

/** The hash-chained audit trail as export, verification and the admin CLI read it. */
export interface AuditTrail {
  /** Records in seq order whose time falls in the period, read a page at a time. */
  records(period?: AuditPeriod): AsyncIterable<StoredAuditRecord>;
  /** One grant's records, in seq order. */
  forGrant(grantId: string): Promise<StoredAuditRecord[]>;
  /** Checks the whole chain from one consistent snapshot; names the first record that does not hold. */
  verify(): Promise<ChainVerdict>;
  /** The newest record's place in the chain: what the next checkpoint signs; undefined for an empty trail. */
  head(): Promise<ChainHead | undefined>;
  /** Every record after `afterSeq` as stored (detail as JSON text), in seq order, read a page at a time. */
  links(afterSeq?: number): AsyncIterable<ChainLink>;
  /** Each record's place in the chain after `afterSeq` (seq, prev_hash, hash only), in seq order, a page at a time. */
  hashes(afterSeq: number): AsyncIterable<ChainHashes>;
  /** The highest seq the database ever handed out (SQLite's AUTOINCREMENT counter, PostgreSQL's audit head). */
  issuedThrough(): Promise<number>;
  /** The whole chain checked at once where the store can spread the work over cores; else links() is walked. */
  scan?(request: ScanRequest, options: VerifyOptions): Promise<ChainScan>;
}

export interface ChainHashes {
  readonly seq: number;
  readonly prevHash: string | null;
  readonly hash: string | null;
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** Signed checkpoints of the chain, and how far each sink has received the trail. */
export interface CheckpointStore {
  /** Every checkpoint, in seq order. */
  all(): Promise<Checkpoint[]>;
  latest(): Promise<Checkpoint | undefined>;
  /** Stores a checkpoint; one already stored for the same seq stays (and this one is dropped). */
  add(checkpoint: Checkpoint): Promise<void>;
  /** The last seq the sink has received (records or a checkpoint through it); 0 for none. */
  sinkProgress(sink: string): Promise<number>;
  setSinkProgress(sink: string, throughSeq: number): Promise<void>;
}

export interface AuditSafety {
  readonly refusals: readonly string[];
  readonly warnings: readonly string[];
}

export interface StoreBackend {
  readonly kind: "sqlite" | "postgres";
  /** Where the data lives, for logs and messages: a file path, or a URL without its password. */
  readonly location: string;
  readonly store: GrantStore;
  readonly operations: OperationLog;
  readonly extensions: ExtensionStore;
  readonly audit: AuditTrail;
  readonly checkpoints: CheckpointStore;
  readonly outbox: AuditOutbox;
  readonly metrics: MetricsSource;
  readonly leases: Leases;
  readonly seenRequests: SeenRequests;
  readonly approverMessages: ApproverMessages;
  readonly nudges: ApprovalNudges;
  readonly fenceEntries: FenceEntries;
  /** What an access review reads. */
  readonly history: AccessHistory;
  readonly organizationSnapshots: OrganizationSnapshots;
  readonly activityDigests: ActivityDigests;
  /**
   * What the bot's own access to the database would let it (or whoever takes over its credentials)
   * do to the audit trail beyond appending: refusals stop the bot from starting (unless overridden),
   * warnings are logged.
   */
  auditSafety(): Promise<AuditSafety>;
  /** Readiness: resolves when the database can take a write now, throws with the reason otherwise. */
  check(): Promise<void>;
  close(): Promise<void>;
}
