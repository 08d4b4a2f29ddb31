// Writing and reading evidence bundles (see audit/bundle.ts): `audit export --bundle <path>` and
// `audit verify --bundle <path>`. A path ending in .jsonl is one file; any other is a directory.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  keysLine,
  manifestLine,
  parseBundle,
  sha256,
  splitOneFile,
  type Bundle,
  type BundleManifest,
} from "../audit/bundle.js";
import { checkpointLine, recordLine, recordOfLink } from "../audit/sinks.js";
import type { AuditPeriod, StoreBackend } from "../store/backend.js";
import { UsageError } from "./io.js";

function isOneFile(path: string): boolean {
  return path.endsWith(".jsonl");
}

/** A part of the bundle written line by line, hashed as it goes. */
class Part {
  private readonly hash = createHash("sha256");
  count = 0;

  constructor(private readonly write: (text: string) => void) {}

  add(text: string): void {
    this.hash.update(text, "utf8");
    this.write(text);
    this.count += 1;
  }

  digest(): string {
    return this.hash.digest("hex");
  }
}

/**
 * Writes the period's records (contiguous by seq, from its first to its last), then the records up
 * to the first checkpoint at or after its last, so every record of the period can be walked up to a
 * signed hash; the checkpoints among them; the public keys; the manifest.
 */
export async function writeBundle(
  opened: StoreBackend,
  period: AuditPeriod,
  target: string,
  keysPem: string,
  keyIds: readonly string[],
): Promise<BundleManifest> {
  const checkpoints = await opened.checkpoints.all();
  let first: number | null = null;
  let last: number | null = null;
  for await (const record of opened.audit.records(period)) {
    first ??= record.seq;
    last = record.seq;
  }
  const through = last === null ? null : (checkpoints.find((checkpoint) => checkpoint.seq >= last)?.seq ?? last);
  const output = openOutput(target);
  try {
    if (output.oneFile) output.write("bundle", keysLine(keysPem));
    const records = new Part((text) => output.write(BUNDLE_FILES.records, text));
    if (first !== null && through !== null) {
      for await (const link of opened.audit.links(first - 1)) {
        if (link.seq > through) break;
        records.add(recordLine(recordOfLink(link)));
      }
    }
    const covering = checkpoints.filter(
      (checkpoint) => first !== null && through !== null && checkpoint.seq >= first && checkpoint.seq <= through,
    );
    const checkpointPart = new Part((text) => output.write(BUNDLE_FILES.checkpoints, text));
    for (const checkpoint of covering) checkpointPart.add(checkpointLine(checkpoint));
    if (!output.oneFile) output.write(BUNDLE_FILES.keys, keysPem);
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      createdAt: new Date().toISOString(),
      source: opened.location,
      period: { from: isoOrNull(period.from), until: isoOrNull(period.until) },
      periodRecords: { first, last, count: first === null || last === null ? 0 : last - first + 1 },
      records: { first, last: first === null ? null : through, count: records.count },
      checkpoints: checkpointPart.count,
      keyIds,
      sha256: { records: records.digest(), checkpoints: checkpointPart.digest(), keys: sha256(keysPem) },
    };
    output.write(
      output.oneFile ? "bundle" : BUNDLE_FILES.manifest,
      output.oneFile ? manifestLine(manifest) : `${JSON.stringify(manifest, null, 2)}\n`,
    );
    return manifest;
  } finally {
    output.close();
  }
}

interface Output {
  readonly oneFile: boolean;
  write(file: string, text: string): void;
  close(): void;
}

/** The bundle's file or directory, created new: a bundle is never written over another. */
function openOutput(target: string): Output {
  if (isOneFile(target)) {
    const fd = openFile(target);
    return { oneFile: true, write: (_file, text) => void writeSync(fd, text), close: () => closeSync(fd) };
  }
  if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0)) {
    throw new UsageError(`--bundle ${target} exists and is not an empty directory; name a new one.`);
  }
  mkdirSync(target, { recursive: true });
  const fds = new Map<string, number>();
  return {
    oneFile: false,
    write(file, text) {
      let fd = fds.get(file);
      if (fd === undefined) fds.set(file, (fd = openFile(join(target, file))));
      writeSync(fd, text);
    },
    close() {
      for (const fd of fds.values()) closeSync(fd);
      // A part with nothing in it is still a file of the bundle.
      for (const file of [BUNDLE_FILES.records, BUNDLE_FILES.checkpoints]) if (!fds.has(file)) closeSync(openFile(join(target, file)));
    },
  };
}

function openFile(path: string): number {
  try {
    return openSync(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      throw new UsageError(`${path} already exists; a bundle is never written over another.`);
    throw error;
  }
}

function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** Reads a bundle from a directory or a one-file bundle; throws BundleProblem saying what is wrong with it. */
export function readBundle(path: string): Bundle {
  try {
    if (statSync(path).isDirectory()) {
      const read = (file: string) => readFileSync(join(path, file), "utf8");
      return parseBundle(read(BUNDLE_FILES.manifest), {
        records: read(BUNDLE_FILES.records),
        checkpoints: read(BUNDLE_FILES.checkpoints),
        keys: read(BUNDLE_FILES.keys),
      });
    }
    const { manifestJson, parts } = splitOneFile(readFileSync(path, "utf8"));
    return parseBundle(manifestJson, parts);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError(`--bundle ${path}: ${(error as Error).message}`);
    throw error;
  }
}
