// The organization-refresh job's decisions, each minute: apply a snapshot another process stored
// since the one in force (no AWS call), or, once the one in force is refreshMinutes old, read AWS
// under the lease and store it. A replica that finds the lease taken waits for the next check and
// applies what the holder stored; a stored snapshot that is refused makes this one read AWS now.
import type { OrgSnapshot } from "../domain/organization.js";
import type { ServiceDeps } from "./deps.js";
import { refreshPolicy, type RefreshOutcome, type SnapshotOrigin } from "./organization-refresh.js";
import type { PolicyHolder } from "./policy-holder.js";
import { logRefused, ORGANIZATION_LEASE, readAndStore, storedSnapshot, type SharedOrganization } from "./shared-organization.js";

export class OrganizationRefresher {
  /** When the snapshot the policy in force came from was read. */
  private inForce: number;
  /** When this process last tried to read AWS: a failed read waits a period too, so an outage is audited once per period. */
  private lastAttempt = Number.NEGATIVE_INFINITY;
  /** The stored snapshot last looked at (by its read time), so each is applied, or refused, once. */
  private considered: number | undefined;
  private mustRead = false;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly shared: SharedOrganization,
    private readonly holder: PolicyHolder,
    inForce: OrgSnapshot,
  ) {
    this.inForce = inForce.readAt;
    this.considered = inForce.readAt;
  }

  /** One check; undefined when nothing was due, nothing new was stored, or another process holds the lease. */
  async tick(): Promise<RefreshOutcome | undefined> {
    const applied = await this.newerStored();
    if (applied) return applied;
    const due = this.mustRead || this.deps.clock.now() - Math.max(this.inForce, this.lastAttempt) >= this.shared.source.refreshMs;
    if (!due) return undefined;
    // Under the lease, look again: the last holder may have stored a snapshot just before letting go.
    return this.deps.work.ifFree(ORGANIZATION_LEASE, async () => (await this.newerStored()) ?? this.readAws());
  }

  private async newerStored(): Promise<RefreshOutcome | undefined> {
    const storedAt = await this.shared.snapshots.readAt();
    if (storedAt === undefined || storedAt === this.considered || storedAt <= this.inForce) return undefined;
    this.considered = storedAt;
    const stored = await storedSnapshot(this.shared);
    if (!stored) return undefined;
    if (stored.kind === "refused") {
      logRefused(this.deps.logger, stored);
      this.mustRead = true;
      return undefined;
    }
    return this.apply(stored.snapshot, "store");
  }

  private async readAws(): Promise<RefreshOutcome> {
    this.lastAttempt = this.deps.clock.now();
    this.mustRead = false;
    const read = await readAndStore(this.shared);
    if (read.kind === "failed")
      return refreshPolicy(this.deps, this.holder, { kind: "failed", stage: "read", problem: read.problem }, "aws");
    this.considered = read.snapshot.readAt;
    return this.apply(read.snapshot, "aws");
  }

  private async apply(snapshot: OrgSnapshot, from: SnapshotOrigin): Promise<RefreshOutcome> {
    const outcome = await refreshPolicy(this.deps, this.holder, this.shared.source.resolve(snapshot), from);
    if (outcome.kind === "refreshed") this.inForce = snapshot.readAt;
    return outcome;
  }
}
