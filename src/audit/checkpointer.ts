// Signs the head of the audit chain every so many records or minutes, at start and at shutdown, and
// hands each checkpoint (and the records it covers) to the sinks. It runs beside the work it audits,
// never inside it: a checkpoint that fails to be signed, stored or copied is logged and tried again,
// and the transactions that append records never wait for it.
//
// Before signing it checks that the chain since its last checkpoint still holds, so it never signs
// over a trail someone rewrote while the bot was not looking.
import type { StoredAuditRecord } from "../domain/audit-event.js";
import type { Logger } from "../services/ports.js";
import type { AuditTrail, ChainHead, CheckpointStore } from "../store/backend.js";
import { GENESIS_HASH } from "./chain.js";
import { checkSignature, keyring, statementBytes, type Checkpoint } from "./checkpoint.js";
import type { CheckpointSigner } from "./signing-key.js";
import { recordOfLink, type AuditSink } from "./sinks.js";
import { errorText } from "../domain/errors.js";

export interface CheckpointCadence {
  /** A checkpoint once this many records are not covered by one. */
  readonly records: number;
  /** …and once the oldest record not covered has waited this long. */
  readonly intervalMs: number;
}

/** A tick signs only when a checkpoint is due; the others sign whatever is not yet covered. */
export type CheckpointReason = "start" | "tick" | "shutdown" | "asked";

/** Records are handed to sinks this many at a time (one object in the object store). */
const SINK_BATCH = 1_000;
const FIRST_SINK_RETRY_MS = 5_000;
const MAX_SINK_RETRY_MS = 5 * 60_000;

interface SinkState {
  failures: number;
  notBefore: number;
}

export class Checkpointer {
  /** The newest checkpoint known good: signed with this key, and the chain verified up to it. */
  private base: Checkpoint | undefined;
  /** The last run asked for: runs go one after another. */
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private refusal: string | undefined;
  private readonly sinkStates = new Map<string, SinkState>();
  private readonly ownKey;

  constructor(
    private readonly trail: AuditTrail,
    private readonly store: CheckpointStore,
    private readonly signer: CheckpointSigner,
    private readonly sinks: readonly AuditSink[],
    private readonly cadence: CheckpointCadence,
    private readonly logger: Logger,
    private readonly now: () => number,
    /** Runs the work unless another process is signing (undefined then): one signer at a time. */
    private readonly exclusively: <T>(work: () => Promise<T>) => Promise<T | undefined> = (work) => work(),
  ) {
    this.ownKey = keyring([signer]);
  }

  /**
   * Signs the head if a checkpoint is due (on a tick) or anything is uncovered (otherwise), then
   * brings the sinks up to date. Runs go one after another; a tick while one is under way or waiting
   * is skipped. Returns the checkpoint signed, if any. Never throws: what fails is logged and tried
   * again on the next run.
   */
  run(reason: CheckpointReason): Promise<Checkpoint | undefined> {
    if (reason === "tick" && this.waiting > 0) return Promise.resolve(undefined);
    this.waiting += 1;
    const run = this.tail
      .then(() => this.exclusively(() => this.runOnce(reason)))
      .catch((error: unknown) => {
        this.logger.error({ reason, err: errorText(error) }, "audit checkpoint failed; will try again");
        return undefined;
      })
      .finally(() => {
        this.waiting -= 1;
      });
    this.tail = run;
    return run;
  }

  private async runOnce(reason: CheckpointReason): Promise<Checkpoint | undefined> {
    const head = await this.trail.head();
    if (!head) return undefined;
    const base = await this.knownGood();
    const uncovered = head.seq - (base?.seq ?? 0);
    const due =
      uncovered > 0 &&
      (reason !== "tick" || uncovered >= this.cadence.records || (await this.oldestUncoveredAge(base)) >= this.cadence.intervalMs);
    const signed = due ? await this.sign(head, base) : undefined;
    await this.feedSinks(reason === "tick" ? this.now() : Number.POSITIVE_INFINITY);
    return signed;
  }

  /** How long the first record after the base has waited for a checkpoint. */
  private async oldestUncoveredAge(base: Checkpoint | undefined): Promise<number> {
    for await (const link of this.trail.links(base?.seq ?? 0)) return this.now() - link.at;
    return 0;
  }

  /**
   * The newest stored checkpoint this key signed, if newer than the one in hand (another replica,
   * or a previous run of this bot, may have signed it). One that does not verify is passed over.
   */
  private async knownGood(): Promise<Checkpoint | undefined> {
    const latest = await this.store.latest();
    if (!latest || latest.seq <= (this.base?.seq ?? 0)) return this.base;
    if (checkSignature(latest, this.ownKey).ok) return (this.base = latest);
    const all = await this.store.all();
    const newest = all.filter((checkpoint) => checkSignature(checkpoint, this.ownKey).ok).at(-1);
    if (newest && newest.seq > (this.base?.seq ?? 0)) this.base = newest;
    return this.base;
  }

  private async sign(head: ChainHead, base: Checkpoint | undefined): Promise<Checkpoint | undefined> {
    const problem = await this.brokenSince(base, head);
    if (problem) {
      if (problem !== this.refusal) {
        this.logger.error(
          { since: base?.seq ?? 0, problem },
          "the audit trail does not hold since the last checkpoint; not signing it (run jit-admin audit verify)",
        );
      }
      this.refusal = problem;
      return undefined;
    }
    this.refusal = undefined;
    const statement = { seq: head.seq, hash: head.hash, at: this.now(), keyId: this.signer.keyId };
    const signature = (await this.signer.sign(statementBytes(statement))).toString("base64");
    const checkpoint: Checkpoint = { ...statement, signature };
    await this.store.add(checkpoint);
    this.base = checkpoint;
    this.logger.debug({ seq: checkpoint.seq, keyId: checkpoint.keyId }, "audit checkpoint signed");
    return checkpoint;
  }

  /**
   * Why the chain from the base to the head does not continue it, or undefined when it does: every
   * record after the base follows the one before it (its prev_hash is that record's hash, from the
   * base's own hash on), so a rewrite of what the base covers, re-hashed or not, is never signed
   * over. Records' contents are not hashed again here (that would double the cost of every
   * record): an edit that was not re-hashed stays visible to `audit verify` whatever is signed.
   */
  private async brokenSince(base: Checkpoint | undefined, head: ChainHead): Promise<string | undefined> {
    let previous = base ? { seq: base.seq, hash: base.hash } : { seq: 0, hash: GENESIS_HASH };
    for await (const link of this.trail.hashes(previous.seq)) {
      if (link.seq > head.seq) break;
      if (link.seq !== previous.seq + 1) return `record #${previous.seq + 1} is missing (the trail goes on at #${link.seq})`;
      if (link.prevHash !== previous.hash) {
        return previous.seq === base?.seq
          ? `record #${link.seq}: its prev_hash is not the hash of record #${previous.seq} that the last checkpoint signed (the records it covers were rewritten)`
          : `record #${link.seq}: its prev_hash is not the hash of record #${previous.seq}`;
      }
      previous = { seq: link.seq, hash: link.hash ?? "" };
    }
    if (previous.seq !== head.seq || previous.hash !== head.hash) {
      return `the trail's head moved from #${head.seq} while it was checked (records removed?)`;
    }
    return undefined;
  }

  /** Each sink gets the records it lacks up to the newest checkpoint, then that checkpoint. */
  private async feedSinks(now: number): Promise<void> {
    const checkpoint = this.base;
    if (!checkpoint) return;
    for (const sink of this.sinks) {
      const state = this.sinkStates.get(sink.name) ?? { failures: 0, notBefore: 0 };
      this.sinkStates.set(sink.name, state);
      if (now < state.notBefore) continue;
      try {
        await this.feedSink(sink, checkpoint);
        state.failures = 0;
      } catch (error) {
        state.failures += 1;
        const wait = Math.min(FIRST_SINK_RETRY_MS * 2 ** (state.failures - 1), MAX_SINK_RETRY_MS);
        state.notBefore = this.now() + wait;
        this.logger.warn(
          { sink: sink.name, seq: checkpoint.seq, attempts: state.failures, retryInMs: wait, err: errorText(error) },
          "copying the audit trail to a sink failed; will retry",
        );
      }
    }
  }

  private async feedSink(sink: AuditSink, checkpoint: Checkpoint): Promise<void> {
    const recordsKey = `${sink.name}:records`;
    const checkpointsKey = `${sink.name}:checkpoints`;
    if (sink.keepsRecords) {
      let through = await this.store.sinkProgress(recordsKey);
      let batch: StoredAuditRecord[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await sink.writeRecords(batch);
        through = batch.at(-1)?.seq ?? through;
        await this.store.setSinkProgress(recordsKey, through);
        batch = [];
      };
      for await (const link of this.trail.links(through)) {
        if (link.seq > checkpoint.seq) break;
        batch.push(recordOfLink(link));
        if (batch.length >= SINK_BATCH) await flush();
      }
      await flush();
    }
    if ((await this.store.sinkProgress(checkpointsKey)) >= checkpoint.seq) return;
    await sink.writeCheckpoint(checkpoint);
    await this.store.setSinkProgress(checkpointsKey, checkpoint.seq);
  }
}
