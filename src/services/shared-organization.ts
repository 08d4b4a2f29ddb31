// One organization snapshot for every process on the database: a process uses the one stored while
// it is younger than refreshMinutes, and otherwise reads AWS Organizations (one process at a time,
// under the organization-refresh lease) and stores what it read for the others. Whoever can write
// the database can write anything into it, so a stored snapshot is checked before it is used.
import type { Clock } from "../domain/clock.js";
import type { OrgSnapshot } from "../domain/organization.js";
import type { OrganizationPolicy, OrganizationRead, PolicyReading, SnapshotOrigin } from "./organization-refresh.js";
import type { Logger, OrganizationSnapshots } from "./ports.js";

export const ORGANIZATION_LEASE = "organization-refresh";
/** A snapshot read later than this past the reader's clock is refused: it would never be due for a refresh. */
const CLOCK_SKEW_MS = 60_000;

export interface SharedOrganization {
  readonly source: OrganizationPolicy;
  readonly snapshots: OrganizationSnapshots;
  /** Who this process is in the leases table; stored as who read a snapshot. */
  readonly readBy: string;
  readonly clock: Clock;
}

export type StoredReading =
  | { readonly kind: "usable"; readonly snapshot: OrgSnapshot; readonly readBy: string }
  | { readonly kind: "refused"; readonly readBy: string; readonly problem: string };

/** The stored snapshot, checked: a snapshot by the schema, read when its row says, and not in the future. */
export async function storedSnapshot(shared: SharedOrganization): Promise<StoredReading | undefined> {
  const stored = await shared.snapshots.latest();
  if (!stored) return undefined;
  const parsed = shared.source.parse(stored.snapshot);
  const refused = (problem: string): StoredReading => ({ kind: "refused", readBy: stored.readBy, problem });
  if (parsed.kind === "invalid") return refused(parsed.problem);
  const { readAt } = parsed.snapshot;
  if (readAt !== stored.readAt) return refused(`its readAt (${readAt}) is not the row's read_at (${stored.readAt})`);
  if (readAt > shared.clock.now() + CLOCK_SKEW_MS) return refused(`it says it was read in the future (${new Date(readAt).toISOString()})`);
  return { kind: "usable", snapshot: parsed.snapshot, readBy: stored.readBy };
}

/** Reads AWS Organizations and stores what it read, for the other processes. */
export async function readAndStore(shared: SharedOrganization): Promise<OrganizationRead> {
  const read = await shared.source.read();
  if (read.kind === "read") {
    await shared.snapshots.put({ readAt: read.snapshot.readAt, readBy: shared.readBy, snapshot: JSON.stringify(read.snapshot) });
  }
  return read;
}

export function ageMinutes(shared: SharedOrganization, snapshot: OrgSnapshot): number {
  return Math.round((shared.clock.now() - snapshot.readAt) / 60_000);
}

export function logRefused(logger: Logger, stored: Extract<StoredReading, { kind: "refused" }>): void {
  logger.error(
    { readBy: stored.readBy, problem: stored.problem },
    "the organization stored in the database is not a valid snapshot and is refused; AWS Organizations is read instead",
  );
}

/** Runs `work` unless another process holds the lease (then undefined). */
export type IfFree = <T>(key: string, work: () => Promise<T>) => Promise<T | undefined>;

/**
 * The policy a process starts with: from the stored snapshot while it is younger than
 * refreshMinutes (and resolves), else from AWS. When AWS cannot be read, or another process holds
 * the lease (reading it now), a stored snapshot of any age is used instead, and the log says how old.
 */
export async function startingOrganization(
  shared: SharedOrganization,
  ifFree: IfFree,
  logger: Logger,
): Promise<{ readonly reading: PolicyReading; readonly from: SnapshotOrigin }> {
  const { source } = shared;
  const stored = await storedSnapshot(shared);
  if (stored?.kind === "refused") logRefused(logger, stored);
  const usable = stored?.kind === "usable" ? stored : undefined;
  const fromStore = (why: string) => {
    logger.warn({ readBy: usable?.readBy, ageMinutes: usable && ageMinutes(shared, usable.snapshot) }, why);
    return { reading: usable ? source.resolve(usable.snapshot) : failedRead(why), from: "store" as const };
  };
  if (usable && shared.clock.now() - usable.snapshot.readAt < source.refreshMs) {
    const reading = source.resolve(usable.snapshot);
    if (reading.kind === "read") {
      logger.info(
        { readBy: usable.readBy, ageMinutes: ageMinutes(shared, usable.snapshot) },
        "using the organization stored in the database, younger than refreshMinutes; AWS Organizations is not read",
      );
      return { reading, from: "store" };
    }
  }
  const read = (await ifFree(ORGANIZATION_LEASE, () => readAndStore(shared))) ?? (usable ? undefined : await readAndStore(shared));
  if (read === undefined) {
    return fromStore("another process is reading AWS Organizations now: starting from the organization stored in the database");
  }
  if (read.kind === "failed") {
    if (!usable) return { reading: failedRead(read.problem), from: "aws" };
    return fromStore(`AWS Organizations cannot be read (${read.problem}): starting from the organization stored in the database`);
  }
  return { reading: source.resolve(read.snapshot), from: "aws" };
}

function failedRead(problem: string): PolicyReading {
  return { kind: "failed", stage: "read", problem };
}
