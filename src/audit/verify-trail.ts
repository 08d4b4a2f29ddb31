// Verification of the whole audit trail against everything that vouches for it: the hash chain
// itself, every signed checkpoint (from the database and from the sinks), and the copies the sinks
// hold. The chain alone catches an edit that was not re-hashed; a checkpoint or a copy made before
// a change catches it even when the chain was re-hashed, the tail cut off and the counters reset.
import type { KeyObject } from "node:crypto";
import type { ChainScan, ScanRequest } from "./chain-ranges.js";
import { ChainVerifier, type ChainLink, type ChainVerdict, type VerifyOptions } from "./chain.js";
import { checkSignature, type Checkpoint } from "./checkpoint.js";
import type { SinkCopy } from "./sinks.js";

/** Where the records come from: the database, or a bundle. */
export interface TrailSource {
  /** Where the chain starts: after this record (a bundle's first record's predecessor); else from #1. */
  readonly start?: { readonly seq: number; readonly hash: string } | undefined;
  /** Read before the links, so a record appended meanwhile cannot look cut off. */
  issuedThrough(): Promise<number>;
  links(afterSeq?: number): AsyncIterable<ChainLink>;
  /** The chain checked at once, where the source can spread the work (used instead of links() from #1). */
  scan?(request: ScanRequest, options: VerifyOptions): Promise<ChainScan>;
}

export interface FoundCheckpoint {
  readonly checkpoint: Checkpoint;
  /** Where it was found: "the database", "the audit channel", … */
  readonly from: string;
}

export interface Evidence {
  /** Public keys by key id; with none, checkpoints cannot be trusted and are only counted. */
  readonly keys: ReadonlyMap<string, KeyObject>;
  readonly checkpoints: readonly FoundCheckpoint[];
  readonly copies: readonly { readonly name: string; readonly copy: SinkCopy }[];
}

export interface TrailProblem {
  /** The first record the problem may lie in. */
  readonly firstSeq: number;
  /** The last (the same as firstSeq when the record is known exactly). */
  readonly lastSeq: number;
  readonly problem: string;
}

export interface CopyReport {
  readonly name: string;
  readonly records: number;
  readonly checkpoints: number;
  readonly notes: readonly string[];
  /** Signs the copy itself was changed; any of them fails verification. */
  readonly alarms: readonly string[];
}

export interface TrailReport {
  readonly ok: boolean;
  /** Records read from the source. */
  readonly records: number;
  readonly head: { readonly seq: number; readonly hash: string } | null;
  /** What the chain says of itself, without any checkpoint or copy. */
  readonly chain: ChainVerdict;
  readonly checkpoints: {
    readonly found: number;
    /** Whether signatures were checked (a public key was given). */
    readonly checked: boolean;
    readonly valid: number;
    /** The newest valid checkpoint. */
    readonly newest: Checkpoint | null;
  };
  readonly copies: readonly CopyReport[];
  /** Problems by the first record known to be wrong; the first names the first record that differs or is missing. */
  readonly problems: readonly TrailProblem[];
  /** Records after the newest valid checkpoint: nothing signed vouches for them yet. */
  readonly uncovered: { readonly firstSeq: number; readonly lastSeq: number } | null;
}

interface Expectation {
  readonly hash: string;
  readonly from: string;
  /** A checkpoint: the seq of the last earlier checkpoint found to hold, filled in while walking. */
  readonly checkpoint?: Checkpoint;
}

export async function verifyTrail(source: TrailSource, evidence: Evidence): Promise<TrailReport> {
  const problems: TrailProblem[] = [];
  const checked = evidence.keys.size > 0;
  const valid = checked ? validCheckpoints(evidence, problems) : [];
  const expected = new Map<number, Expectation[]>();
  const expect = (seq: number, expectation: Expectation) => expected.set(seq, [...(expected.get(seq) ?? []), expectation]);
  for (const { checkpoint, from } of valid)
    expect(checkpoint.seq, { hash: checkpoint.hash, from: `the checkpoint signed ${iso(checkpoint.at)} (${from})`, checkpoint });
  for (const { name, copy } of evidence.copies) for (const [seq, hash] of copy.recordHashes) expect(seq, { hash, from: name });

  const issued = await source.issuedThrough();
  let chain: ChainVerdict;
  let records = 0;
  let last: { seq: number; hash: string } | null = null;
  /** The newest checkpoint seq the trail was found to match, below which a later mismatch cannot lie. */
  let lastHeld = 0;
  const seen = new Set<number>();
  const witness = (seq: number, hash: string | null) => {
    const expectations = expected.get(seq);
    if (!expectations) return;
    seen.add(seq);
    for (const expectation of expectations) {
      const holds = hash?.startsWith(expectation.hash);
      if (holds && expectation.checkpoint) lastHeld = Math.max(lastHeld, seq);
      if (holds) continue;
      problems.push(
        expectation.checkpoint
          ? {
              firstSeq: lastHeld + 1,
              lastSeq: seq,
              problem:
                lastHeld + 1 === seq
                  ? `record #${seq} is not the record ${expectation.from} covers: it was changed, or the records before it were`
                  : `the trail at #${seq} does not match ${expectation.from}: one of records #${lastHeld + 1}–#${seq} was changed, removed or inserted since it was signed`,
            }
          : { firstSeq: seq, lastSeq: seq, problem: `record #${seq} differs from the copy in ${expectation.from}` },
      );
    }
  };
  if (source.scan && !source.start) {
    const scan = await source.scan({ wanted: new Set(expected.keys()) }, { highestIssuedSeq: issued });
    ({ chain, records, last } = scan);
    for (const seq of [...scan.hashesAt.keys()].sort((a, b) => a - b)) witness(seq, scan.hashesAt.get(seq) ?? null);
  } else {
    const verifier = new ChainVerifier(source.start);
    let broken: ChainVerdict | undefined;
    for await (const link of source.links()) {
      records += 1;
      broken ??= verifier.add(link);
      last = { seq: link.seq, hash: link.hash ?? "" };
      witness(link.seq, link.hash);
    }
    chain = broken ?? verifier.finish({ highestIssuedSeq: issued });
  }
  if (!chain.ok)
    problems.push({
      firstSeq: chain.firstBad.seq,
      lastSeq: chain.firstBad.seq,
      problem: `record #${chain.firstBad.seq}: ${chain.firstBad.problem}`,
    });

  const lastSeq = last?.seq ?? 0;
  for (const missing of missingRecords(expected, seen, lastSeq)) problems.push(missing);
  // By the first record known for certain to be wrong: a record a copy contradicts comes before a
  // checkpoint's range that contains it.
  problems.sort((a, b) => a.lastSeq - b.lastSeq || a.firstSeq - b.firstSeq);

  const newest = valid.map((found) => found.checkpoint).reduce<Checkpoint | null>((a, b) => (a && a.seq >= b.seq ? a : b), null);
  const coveredThrough = Math.max(newest?.seq ?? 0, source.start?.seq ?? 0);
  return {
    ok: problems.length === 0 && evidence.copies.every(({ copy }) => copy.alarms.length === 0),
    records,
    head: last,
    chain,
    checkpoints: { found: evidence.checkpoints.length, checked, valid: valid.length, newest },
    copies: evidence.copies.map(({ name, copy }) => ({
      name,
      records: copy.recordHashes.size,
      checkpoints: copy.checkpoints.length,
      notes: copy.notes,
      alarms: copy.alarms,
    })),
    problems: dedupe(problems),
    uncovered: lastSeq > coveredThrough ? { firstSeq: coveredThrough + 1, lastSeq } : null,
  };
}

/** Checkpoints whose signature verifies; each one that does not is a problem at its seq. */
function validCheckpoints(evidence: Evidence, problems: TrailProblem[]): FoundCheckpoint[] {
  const valid: FoundCheckpoint[] = [];
  for (const found of evidence.checkpoints) {
    const check = checkSignature(found.checkpoint, evidence.keys);
    if (check.ok) valid.push(found);
    else {
      const seq = found.checkpoint.seq;
      problems.push({
        firstSeq: seq,
        lastSeq: seq,
        problem: `the checkpoint for #${seq} in ${found.from} is not genuine: ${check.problem}`,
      });
    }
  }
  return valid;
}

/** Records a checkpoint or a copy vouches for that the source does not have, as runs of seqs per witness. */
function missingRecords(expected: ReadonlyMap<number, Expectation[]>, seen: ReadonlySet<number>, lastSeq: number): TrailProblem[] {
  const byWitness = new Map<string, number[]>();
  for (const [seq, expectations] of expected) {
    if (seen.has(seq)) continue;
    for (const expectation of expectations) byWitness.set(expectation.from, [...(byWitness.get(expectation.from) ?? []), seq]);
  }
  const problems: TrailProblem[] = [];
  for (const [from, seqs] of byWitness) {
    seqs.sort((a, b) => a - b);
    const first = seqs[0] ?? 0;
    const lastMissing = seqs.at(-1) ?? 0;
    const beyondEnd = first > lastSeq;
    const firstSeq = beyondEnd ? lastSeq + 1 : first;
    const range = firstSeq === lastMissing ? `record #${firstSeq} is` : `records #${firstSeq}–#${lastMissing} are`;
    problems.push({
      firstSeq,
      lastSeq: lastMissing,
      problem: beyondEnd
        ? `${range} missing: the trail ends at #${lastSeq}, but ${from} vouches for records up to #${lastMissing} (cut off)`
        : `${range} missing from the trail, but ${from} vouches for ${seqs.length === 1 ? "it" : `${seqs.length} of them`} (deleted)`,
    });
  }
  return problems;
}

function dedupe(problems: readonly TrailProblem[]): TrailProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.problem) && seen.add(p.problem) !== undefined);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
