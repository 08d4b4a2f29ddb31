// Evidence for an audit period, checkable without the database: the records of the period (and
// those after it up to the first checkpoint that covers them), the checkpoints among them, the
// public key, and a manifest with hashes. A directory of four files, or the same as one JSON-lines
// file (the keys first, the manifest last, so it is written in one pass). The signatures, not the manifest, are what make it evidence: whoever holds the bundle can
// rewrite the manifest, but not sign a checkpoint.
import { createHash } from "node:crypto";
import type { StoredAuditRecord } from "../domain/audit-event.js";
import type { ChainLink } from "./chain.js";
import type { Checkpoint } from "./checkpoint.js";
import { parseSinkLine } from "./sinks.js";
import type { TrailSource } from "./verify-trail.js";

export const BUNDLE_FORMAT = "jit-slack audit bundle v1";
export const BUNDLE_FILES = {
  manifest: "manifest.json",
  records: "records.jsonl",
  checkpoints: "checkpoints.jsonl",
  keys: "public-keys.pem",
} as const;

export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly createdAt: string;
  /** The database it was exported from, without any password. */
  readonly source: string;
  /** The period asked for: ISO times, or null for open ends. */
  readonly period: { readonly from: string | null; readonly until: string | null };
  /** The records of the period: the first and last seq (null when the period has none). */
  readonly periodRecords: { readonly first: number | null; readonly last: number | null; readonly count: number };
  /** Every record in the bundle: the period's, then those up to the checkpoint that covers them. */
  readonly records: { readonly first: number | null; readonly last: number | null; readonly count: number };
  readonly checkpoints: number;
  readonly keyIds: readonly string[];
  /** SHA-256 (hex) of each part: the files of a directory bundle, the sections of a one-file bundle. */
  readonly sha256: Readonly<Record<"records" | "checkpoints" | "keys", string>>;
}

export interface Bundle {
  readonly manifest: BundleManifest;
  readonly records: readonly StoredAuditRecord[];
  readonly checkpoints: readonly Checkpoint[];
  /** The public keys in PEM, one after another. */
  readonly keysPem: string;
}

export interface BundleParts {
  readonly records: string;
  readonly checkpoints: string;
  readonly keys: string;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The one-file form's first line: the public keys; then the records, the checkpoints, and last the manifest. */
export function keysLine(keysPem: string): string {
  return `${JSON.stringify({ type: "public-keys", pem: keysPem })}\n`;
}

export function manifestLine(manifest: BundleManifest): string {
  return `${JSON.stringify({ type: "manifest", ...manifest })}\n`;
}

/** Why a bundle cannot be read, for the message. */
export class BundleProblem extends Error {}

/** Reads the parts back, checking them against the manifest's hashes. */
export function parseBundle(manifestJson: string, parts: BundleParts): Bundle {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(manifestJson) as BundleManifest;
  } catch (error) {
    throw new BundleProblem(`the manifest is not JSON: ${(error as Error).message}`);
  }
  if (manifest.format !== BUNDLE_FORMAT)
    throw new BundleProblem(`this is not a ${BUNDLE_FORMAT} (format ${JSON.stringify(manifest.format)})`);
  for (const part of ["records", "checkpoints", "keys"] as const) {
    if (sha256(parts[part]) !== manifest.sha256?.[part])
      throw new BundleProblem(`its ${part} do not match the manifest's SHA-256 (changed or cut short since it was exported)`);
  }
  const records: StoredAuditRecord[] = [];
  const checkpoints: Checkpoint[] = [];
  for (const [text, expected] of [
    [parts.records, "record"],
    [parts.checkpoints, "checkpoint"],
  ] as const) {
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const parsed = parseSinkLine(line);
      if (parsed?.type !== expected) throw new BundleProblem(`a line of its ${expected}s is not a ${expected}: ${line.slice(0, 80)}`);
      if (parsed.type === "record") records.push(parsed.record);
      else checkpoints.push(parsed.checkpoint);
    }
  }
  return { manifest, records, checkpoints, keysPem: parts.keys };
}

/** Splits a one-file bundle into its manifest and parts, as they were written. */
export function splitOneFile(text: string): { manifestJson: string; parts: BundleParts } {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const parse = (line: string | undefined): Record<string, unknown> => {
    try {
      return line ? (JSON.parse(line) as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const keys = parse(lines[0]);
  const { type, ...manifest } = parse(lines.at(-1));
  if (keys.type !== "public-keys" || type !== "manifest")
    throw new BundleProblem("it does not begin with the public keys and end with the manifest");
  const body = lines.slice(1, -1);
  const isCheckpoint = (line: string) => line.startsWith('{"type":"checkpoint"');
  return {
    manifestJson: JSON.stringify(manifest),
    parts: {
      records: body
        .filter((line) => !isCheckpoint(line))
        .map((line) => `${line}\n`)
        .join(""),
      checkpoints: body
        .filter(isCheckpoint)
        .map((line) => `${line}\n`)
        .join(""),
      keys: typeof keys.pem === "string" ? keys.pem : "",
    },
  };
}

/** The bundle's records as a trail to verify: the chain starts from the first record's prev_hash. */
export function bundleTrail(bundle: Bundle): TrailSource {
  const first = bundle.records[0];
  return {
    start: first ? { seq: first.seq - 1, hash: first.prevHash } : undefined,
    issuedThrough: async () => 0,
    async *links(): AsyncIterable<ChainLink> {
      for (const record of bundle.records) {
        yield { ...record, detailJson: JSON.stringify(record.detail), prevHash: record.prevHash, hash: record.hash };
      }
    },
  };
}
