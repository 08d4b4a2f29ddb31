// The tamper-evident audit chain: every record's hash covers its own content and the hash before
// it, so an edited, deleted or reordered record breaks the chain at that record. Pure functions.
//
// The encoding is a storage format: records already written depend on it, so it must never change.
import { createHash } from "node:crypto";
import type { AuditRecord } from "../domain/audit-event.js";

/** The `prev_hash` of the first record. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * The canonical encoding of a record: JSON with no whitespace and object keys sorted by UTF-16 code
 * units at every level (RFC 8785, JCS, for the values audit records hold, except that keys which are
 * array indices, such as "2" and "10", come first in numeric order: JavaScript objects list them so),
 * of exactly `{accountId, action, actorId, at, detail, grantId, permissionSet, seq}`. Detail keys
 * whose value is undefined are left out and non-finite numbers become null, as JSON.stringify does.
 */
export function canonicalEncoding(record: AuditRecord): string {
  // Listed in sorted order: verification encodes every record of the trail, so only the detail is copied.
  return JSON.stringify({
    accountId: record.accountId,
    action: record.action,
    actorId: record.actorId,
    at: record.at,
    detail: sortKeys(record.detail),
    grantId: record.grantId,
    permissionSet: record.permissionSet,
    seq: record.seq,
  });
}

/** Keys JavaScript treats as array indices ("0", "2", "10"): every object lists them first, in numeric order. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * `value` with every object's own keys in sorted order, for JSON.stringify (which lists them in
 * property order). An object already in that order is returned as it is, not copied: details are
 * stored sorted (see detailJson), so verification copies only records written before they were.
 */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const sorted = sortKeys(item);
      changed ||= sorted !== item;
      return sorted;
    });
    return changed ? items : value;
  }
  if (value === null || typeof value !== "object") return value;
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  let inOrder = true;
  let previous: string | undefined;
  for (const key of keys) {
    if (ARRAY_INDEX.test(key) && Number(key) <= 2 ** 32 - 2) continue;
    if (previous !== undefined && previous > key) inOrder = false;
    previous = key;
  }
  if (inOrder) {
    let changed = false;
    const children = keys.map((key) => {
      const child = source[key];
      const sorted = sortKeys(child);
      changed ||= sorted !== child;
      return sorted;
    });
    if (!changed) return value;
    return copyWithKeys(keys, children);
  }
  const sortedKeys = keys.sort();
  return copyWithKeys(
    sortedKeys,
    sortedKeys.map((key) => sortKeys(source[key])),
  );
}

function copyWithKeys(keys: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  keys.forEach((key, index) => {
    // Assigning "__proto__" would set the copy's prototype instead of adding the key.
    if (key === "__proto__")
      Object.defineProperty(copy, key, { value: values[index], enumerable: true, writable: true, configurable: true });
    else copy[key] = values[index];
  });
  return copy;
}

/** A detail as stored: its JSON with keys sorted, so that verifying it needs no sorted copy. */
export function detailJson(detail: AuditRecord["detail"]): string {
  return JSON.stringify(sortKeys(detail));
}

/** hash = lowercase hex SHA-256 of the UTF-8 bytes of `prevHash` followed by the canonical encoding. */
export function chainHash(prevHash: string, record: AuditRecord): string {
  return createHash("sha256")
    .update(prevHash + canonicalEncoding(record), "utf8")
    .digest("hex");
}

/** A record as the database holds it: detail still as JSON text, hashes possibly missing. */
export interface ChainLink {
  readonly seq: number;
  readonly at: number;
  readonly action: string;
  readonly actorId: string;
  readonly grantId: string;
  readonly accountId: string;
  readonly permissionSet: string;
  readonly detailJson: string;
  readonly prevHash: string | null;
  readonly hash: string | null;
}

export interface BrokenLink {
  readonly seq: number;
  readonly problem: string;
}

export type ChainVerdict =
  | { readonly ok: true; readonly records: number; readonly head: { readonly seq: number; readonly hash: string } | null }
  | { readonly ok: false; readonly intactRecords: number; readonly firstBad: BrokenLink };

export interface VerifyOptions {
  /** The highest seq the database ever issued (SQLite's AUTOINCREMENT counter, PostgreSQL's audit head); reveals a cut-off tail. */
  readonly highestIssuedSeq?: number;
}

/**
 * Walks the links in seq order from the first record and names the first one that does not hold:
 * a gap in seq (records deleted), a prev_hash that is not the previous record's hash (deleted or
 * reordered), or a hash that does not match the content (edited).
 */
export function verifyChain(links: Iterable<ChainLink>, options: VerifyOptions = {}): ChainVerdict {
  const verifier = new ChainVerifier();
  for (const link of links) {
    const verdict = verifier.add(link);
    if (verdict) return verdict;
  }
  return verifier.finish(options);
}

/** verifyChain, one link at a time, for links read page by page. */
export class ChainVerifier {
  private previous: { seq: number; hash: string } | null;
  private intact = 0;

  /**
   * From the first record, or from a record already known good (a verified checkpoint): links after
   * it are checked. `intactBefore` counts records already checked before it (a scan split in ranges).
   */
  constructor(start?: { readonly seq: number; readonly hash: string }, intactBefore = 0) {
    this.previous = start ? { seq: start.seq, hash: start.hash } : null;
    this.intact = intactBefore;
  }

  /** Checks the next link; the verdict when it breaks the chain, else undefined. */
  add(link: ChainLink): ChainVerdict | undefined {
    const previous = this.previous;
    const expectedSeq: number = previous ? previous.seq + 1 : 1;
    if (link.seq !== expectedSeq) {
      const missing =
        link.seq < expectedSeq
          ? "it is out of order"
          : link.seq === expectedSeq + 1
            ? `record #${expectedSeq} is missing (deleted)`
            : `records #${expectedSeq}–#${link.seq - 1} are missing (deleted)`;
      return this.broken(link.seq, `expected record #${expectedSeq} here, found #${link.seq}: ${missing}`);
    }
    if (link.hash === null || link.prevHash === null) return this.broken(link.seq, "it has no chain hash");
    const expectedPrev = previous?.hash ?? GENESIS_HASH;
    if (link.prevHash !== expectedPrev) {
      return this.broken(
        link.seq,
        previous
          ? `its prev_hash is not the hash of record #${previous.seq} (a record before it was removed, replaced or reordered)`
          : "its prev_hash is not the genesis hash (records before it were removed)",
      );
    }
    const detail = parseDetail(link.detailJson);
    if (detail === undefined) return this.broken(link.seq, "its detail is not a JSON object (edited after it was written)");
    const record: AuditRecord = {
      seq: link.seq,
      at: link.at,
      action: link.action as AuditRecord["action"],
      actorId: link.actorId,
      grantId: link.grantId,
      accountId: link.accountId,
      permissionSet: link.permissionSet,
      detail,
    };
    if (chainHash(link.prevHash, record) !== link.hash) {
      return this.broken(link.seq, "its content does not match its hash (edited after it was written)");
    }
    this.previous = { seq: link.seq, hash: link.hash };
    this.intact += 1;
    return undefined;
  }

  /** The verdict once every link has been added. */
  finish(options: VerifyOptions = {}): ChainVerdict {
    const lastSeq = this.previous?.seq ?? 0;
    if (options.highestIssuedSeq !== undefined && options.highestIssuedSeq > lastSeq) {
      return this.broken(
        lastSeq + 1,
        `the database issued records up to #${options.highestIssuedSeq} but the trail ends at #${lastSeq}: the last records were deleted`,
      );
    }
    return { ok: true, records: this.intact, head: this.previous };
  }

  private broken(seq: number, problem: string): ChainVerdict {
    return { ok: false, intactRecords: this.intact, firstBad: { seq, problem } };
  }
}

function parseDetail(json: string): AuditRecord["detail"] | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as AuditRecord["detail"]) : undefined;
  } catch {
    return undefined;
  }
}
