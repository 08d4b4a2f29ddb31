// The chain checked in ranges of seq that can be read and hashed side by side (on several cores),
// then joined: each range checks its own links, and the join checks each range's first link against
// the one before it, so the verdict is the one a single walk from the first record would give.
import { ChainVerifier, type ChainLink, type ChainVerdict, type VerifyOptions } from "./chain.js";

type Broken = Extract<ChainVerdict, { ok: false }>;

/** What to note beside the verdict: the hashes at some seqs (checkpoints), and the records in a time window. */
export interface ScanRequest {
  readonly wanted: ReadonlySet<number>;
  readonly window?: { readonly from: number; readonly until: number };
}

/** One range's findings, in a form a worker thread can send. */
export interface RangeScan {
  readonly records: number;
  readonly first: ChainLink | null;
  readonly last: { readonly seq: number; readonly hash: string } | null;
  /** The range's first broken link, counting intact records from the range's start. */
  readonly broken: Broken | null;
  readonly hashesAt: readonly (readonly [number, string])[];
  readonly inWindow: number;
}

/** The whole trail's findings. */
export interface ChainScan {
  readonly chain: ChainVerdict;
  readonly records: number;
  readonly last: { readonly seq: number; readonly hash: string } | null;
  /** The stored hash of each wanted seq the trail has. */
  readonly hashesAt: ReadonlyMap<number, string>;
  readonly inWindow: number;
  /** How many threads read and hashed the records, where the store says. */
  readonly threads?: number;
}

/**
 * Checks one range's links in seq order. The first range starts at the genesis; another takes its
 * first link's own prev_hash on trust, which joinRanges then checks against the range before.
 */
export function scanRange(links: Iterable<ChainLink>, fromGenesis: boolean, request: ScanRequest): RangeScan {
  let verifier: ChainVerifier | undefined = fromGenesis ? new ChainVerifier() : undefined;
  let records = 0;
  let first: ChainLink | null = null;
  let last: { seq: number; hash: string } | null = null;
  let broken: Broken | null = null;
  let inWindow = 0;
  const hashesAt: [number, string][] = [];
  const { wanted, window } = request;
  for (const link of links) {
    records += 1;
    if (!first) {
      first = link;
      verifier ??= new ChainVerifier({ seq: link.seq - 1, hash: link.prevHash ?? "" });
    }
    if (!broken) {
      const verdict = verifier?.add(link);
      if (verdict && !verdict.ok) broken = verdict;
    }
    last = { seq: link.seq, hash: link.hash ?? "" };
    if (wanted.has(link.seq)) hashesAt.push([link.seq, link.hash ?? ""]);
    if (window && link.at >= window.from && link.at < window.until) inWindow += 1;
  }
  return { records, first, last, broken, hashesAt, inWindow };
}

/** Joins ranges scanned in seq order (the first from the genesis) into the verdict of one walk. */
export function joinRanges(ranges: readonly RangeScan[], options: VerifyOptions = {}): ChainScan {
  let intact = 0;
  let previous: { seq: number; hash: string } | null = null;
  let chain: ChainVerdict | undefined;
  let records = 0;
  let inWindow = 0;
  const hashesAt = new Map<number, string>();
  ranges.forEach((range, index) => {
    records += range.records;
    inWindow += range.inWindow;
    for (const [seq, hash] of range.hashesAt) hashesAt.set(seq, hash);
    if (!range.first) return;
    if (!chain && index > 0) {
      const boundary = new ChainVerifier(previous ?? undefined, intact).add(range.first);
      if (boundary) chain = boundary;
    }
    if (!chain && range.broken) {
      chain = { ok: false, intactRecords: intact + range.broken.intactRecords, firstBad: range.broken.firstBad };
    }
    if (!chain) intact += range.records;
    previous = range.last;
  });
  chain ??= new ChainVerifier(previous ?? undefined, intact).finish(options);
  return { chain, records, last: previous, hashesAt, inWindow };
}
