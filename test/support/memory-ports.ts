// The services' ports in memory, for unit tests of the use cases without SQL, HTTP or child
// processes: an operation log, grant store and extension store with the SQL stores' compare-and-set
// semantics (each method one synchronous step, so atomic as their transactions are), an Identity
// Center that can refuse, fail or go quiet on cue, a notifier that records, and leases.
import type { RequestBundle } from "../../src/domain/request-bundle.js";
import { noFence } from "../../src/domain/fence-capability.js";
import { NO_NUDGES, type NudgeState } from "../../src/domain/approval-nudges.js";
import { SessionFence } from "../../src/services/session-fence.js";
import { recordsApproval, tallyOf } from "../../src/domain/approval.js";
import type { AuditAction, AuditNote } from "../../src/domain/audit-event.js";
import { ProviderError } from "../../src/domain/errors.js";
import type { GroupAccess } from "../../src/domain/group-access.js";
import type { Extension, NewExtension } from "../../src/domain/extension.js";
import {
  assertTransition,
  HOLDING_STATUSES,
  type Grant,
  type GrantChanges,
  type GrantStatus,
  type NewGrant,
} from "../../src/domain/grant.js";
import type { Person } from "../../src/domain/people.js";
import { fenceKey, type FenceEntry } from "../../src/domain/session-fence.js";
import type { Policy, Rule } from "../../src/domain/policy.js";
import type { ServiceDeps } from "../../src/services/deps.js";
import {
  HOLDER_IDS_SHOWN,
  isMembership,
  isUnfinished,
  type AccessProvider,
  type ApprovalNote,
  type Holders,
  type ApprovalNudges,
  type Assignment,
  type AssignmentTarget,
  type DecideApproval,
  type ExtensionStore,
  type FenceEntries,
  type FinishedState,
  type GrantStore,
  type Leases,
  type Logger,
  type Notifier,
  type MembershipTarget,
  type Operation,
  type OperationTarget,
  type OperationKind,
  type OperationLog,
  type OperationOutcome,
  type RecordedApproval,
} from "../../src/services/ports.js";
import { RefusalRecorder } from "../../src/services/refusals.js";
import { WorkTracker } from "../../src/services/work-tracker.js";
import { fullRule, FENCE_OFF } from "./rules.js";
import { FakeClock, PROD, storedGrant, T0 } from "./store-fixtures.js";

function unsupported(method: string): never {
  throw new Error(`${method} is not modelled in memory; test it against the SQL stores`);
}

function sameAssignment(a: OperationTarget, b: OperationTarget): boolean {
  if (isMembership(a) || isMembership(b)) return sameMembership(a, b);
  return (
    a.accountId === b.accountId &&
    a.permissionSetName === b.permissionSetName &&
    a.principalId === b.principalId &&
    (a.principalType ?? "USER") === (b.principalType ?? "USER")
  );
}

export class MemoryOperationLog implements OperationLog {
  readonly rows: Operation[] = [];

  constructor(private readonly clock: FakeClock) {}

  async intend(grantId: string | null, kind: OperationKind, target: AssignmentTarget): Promise<Operation> {
    const operation: Operation = {
      id: this.rows.length + 1,
      grantId,
      kind,
      target,
      state: "intended",
      requestId: null,
      failureReason: null,
      createdAt: this.clock.now(),
    };
    this.rows.push(operation);
    return operation;
  }

  async started(id: number, requestId: string): Promise<void> {
    const row = this.rows[id - 1];
    if (row?.state === "intended") this.rows[id - 1] = { ...row, state: "started", requestId };
  }

  async finished(id: number, state: FinishedState, failureReason?: string): Promise<boolean> {
    const row = this.rows[id - 1];
    if (!row || !isUnfinished(row)) return false;
    this.rows[id - 1] = { ...row, state, failureReason: failureReason ?? null };
    return true;
  }

  async latest(grantId: string, kind: OperationKind): Promise<Operation | undefined> {
    return this.rows.filter((row) => row.grantId === grantId && row.kind === kind).at(-1);
  }

  async latestUnattached(kind: OperationKind, target: AssignmentTarget): Promise<Operation | undefined> {
    return this.rows.filter((row) => row.grantId === null && row.kind === kind && sameAssignment(row.target, target)).at(-1);
  }

  async unfinished(): Promise<Operation[]> {
    return this.rows.filter(isUnfinished);
  }

  async lastFinishedOn(target: OperationTarget): Promise<Operation | undefined> {
    return this.rows.filter((row) => isCompleted(row) && sameTarget(row.target, target)).at(-1);
  }

  async createdByUs(): Promise<Operation[]> {
    const created: Operation[] = [];
    for (const row of this.rows) {
      if (row.kind === "create" && row.state === "succeeded" && (await this.lastFinishedOn(row.target))?.id === row.id) created.push(row);
    }
    return created;
  }

  async forGrant(grantId: string): Promise<Operation[]> {
    return this.rows.filter((row) => row.grantId === grantId);
  }

  /** Writes what a process that died mid-change left behind. */
  async leftBehind(grantId: string | null, kind: OperationKind, target: AssignmentTarget, requestId?: string): Promise<Operation> {
    const operation = await this.intend(grantId, kind, target);
    if (requestId) await this.started(operation.id, requestId);
    return this.rows[operation.id - 1] as Operation;
  }
}

/** The SQL stores match an assignment by account, permission set and principal id, whatever the type. */
function sameMembership(a: OperationTarget, b: OperationTarget): boolean {
  return isMembership(a) && isMembership(b) && a.groupId === b.groupId && a.principalId === b.principalId;
}

function sameTarget(a: OperationTarget, b: OperationTarget): boolean {
  if (isMembership(a) || isMembership(b)) return sameMembership(a, b);
  return a.accountId === b.accountId && a.permissionSetName === b.permissionSetName && a.principalId === b.principalId;
}

/** A completed assignment change (a fence changes no assignment). */
function isCompleted(row: Operation): boolean {
  return row.kind !== "fence" && (row.state === "succeeded" || row.state === "absent");
}

export interface AuditEntry {
  readonly grantId: string;
  readonly note: AuditNote;
  /** The account and permission set of a record about no grant. */
  readonly scope?: { accountId: string; permissionSet: string };
}

export class MemoryGrantStore implements GrantStore {
  readonly grants = new Map<string, Grant>();
  readonly audit: AuditEntry[] = [];
  /** Who approved each request, as a decision leaves it. */
  readonly approvals = new Map<string, string[]>();

  constructor(private readonly clock: FakeClock) {}

  async insert(grant: NewGrant, note: AuditNote): Promise<Grant> {
    if (this.grants.has(grant.id)) throw new Error(`grant ${grant.id} exists`);
    const stored = storedGrant(grant);
    this.grants.set(stored.id, stored);
    this.audit.push({ grantId: stored.id, note });
    return stored;
  }

  async insertAll(entries: readonly { grant: NewGrant; note: AuditNote }[]): Promise<Grant[]> {
    const stored: Grant[] = [];
    for (const { grant, note } of entries) stored.push(await this.insert(grant, note));
    return stored;
  }

  async get(id: string): Promise<Grant | undefined> {
    return this.grants.get(id);
  }

  async listBundle(bundleId: string): Promise<Grant[]> {
    return [...this.grants.values()]
      .filter((grant) => grant.bundleId === bundleId)
      .sort((a, b) => a.accountId.localeCompare(b.accountId) || a.permissionSetName.localeCompare(b.permissionSetName));
  }

  async transition(
    id: string,
    from: GrantStatus,
    to: GrantStatus,
    changes: GrantChanges,
    note: AuditNote | null,
  ): Promise<Grant | undefined> {
    assertTransition(from, to);
    const updated = this.compareAndSet(id, from, to, changes);
    if (updated && note) this.audit.push({ grantId: id, note });
    return updated;
  }

  async amend(id: string, status: GrantStatus, changes: GrantChanges): Promise<Grant | undefined> {
    const grant = this.grants.get(id);
    if (grant?.status !== status) return undefined;
    const updated: Grant = { ...grant, ...changes, updatedAt: this.clock.now() };
    this.grants.set(id, updated);
    return updated;
  }

  async note(grantId: string, note: AuditNote): Promise<void> {
    this.audit.push({ grantId, note });
  }

  async noteUnattached(scope: { accountId: string; permissionSet: string }, note: AuditNote): Promise<void> {
    this.audit.push({ grantId: "", note, scope });
  }

  async listByStatus(statuses: readonly GrantStatus[]): Promise<Grant[]> {
    return [...this.grants.values()].filter((grant) => statuses.includes(grant.status));
  }

  async listPendingCreatedBefore(before: number): Promise<Grant[]> {
    return (await this.listByStatus(["pending"])).filter((grant) => grant.createdAt <= before).sort((a, b) => a.createdAt - b.createdAt);
  }

  async listExpired(now: number): Promise<Grant[]> {
    return (await this.listByStatus(["active"]))
      .filter((grant) => (grant.expiresAt ?? Infinity) <= now)
      .sort((a, b) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0));
  }

  async nextExpiry(): Promise<number | undefined> {
    const expiries = (await this.listByStatus(["active"])).map((grant) => grant.expiresAt ?? Infinity);
    return expiries.length > 0 ? Math.min(...expiries) : undefined;
  }

  async approve(
    grantId: string,
    approverId: string,
    decide: DecideApproval<Grant>,
    changes: GrantChanges,
    note: ApprovalNote,
  ): Promise<RecordedApproval<Grant> | undefined> {
    const current = this.grants.get(grantId);
    if (!current) return undefined;
    const outcome = decide(current, this.approvals.get(grantId) ?? []);
    if (recordsApproval(outcome)) this.addApprover(grantId, approverId);
    const grant = outcome.kind === "approved" ? this.compareAndSet(grantId, "pending", "approved", changes) : current;
    if (!grant) throw new Error(`grant ${grantId} changed inside a transaction`);
    if (outcome.audit)
      this.audit.push({ grantId, note: { ...note, action: outcome.audit, detail: { ...note.detail, ...tallyOf(outcome) } } });
    return { subject: grant, outcome };
  }

  async extend(grantId: string, extraMs: number, maxTotalMs: number, note: AuditNote, reopenReview: boolean): Promise<Grant | undefined> {
    const grant = this.grants.get(grantId);
    if (grant?.status !== "active" || grant.expiresAt === null || grant.activatedAt === null) return undefined;
    if (grant.expiresAt + extraMs - grant.activatedAt > maxTotalMs) return undefined;
    const reopened = reopenReview ? { reviewedBy: null, reviewedAt: null } : {};
    const extended: Grant = { ...grant, ...reopened, expiresAt: grant.expiresAt + extraMs, warnedAt: null, updatedAt: this.clock.now() };
    this.grants.set(grantId, extended);
    this.audit.push({
      grantId,
      note: reopenReview ? { ...note, detail: { ...note.detail, reviewReopened: grant.reviewedAt !== null } } : note,
    });
    return extended;
  }

  async listForRequester(requesterId: string, statuses: readonly GrantStatus[], limit: number): Promise<Grant[]> {
    return (await this.listByStatus(statuses))
      .filter((grant) => grant.requesterId === requesterId)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit);
  }

  listUnreviewed(): Promise<Grant[]> {
    return unsupported("GrantStore.listUnreviewed");
  }

  async approversOf(subjectId: string): Promise<string[]> {
    return [...(this.approvals.get(subjectId) ?? [])];
  }

  /** Counts an approval of a request or extension; a second by the same approver means a check-then-act race. */
  addApprover(subjectId: string, approverId: string): void {
    const approvers = this.approvals.get(subjectId) ?? [];
    if (approvers.includes(approverId)) throw new Error(`approval of ${subjectId} by ${approverId} changed inside a transaction`);
    this.approvals.set(subjectId, [...approvers, approverId]);
  }

  markWarned(): Promise<boolean> {
    return unsupported("GrantStore.markWarned");
  }

  markLeftPolicy(): Promise<boolean> {
    return unsupported("GrantStore.markLeftPolicy");
  }

  markReviewed(): Promise<Grant | undefined> {
    return unsupported("GrantStore.markReviewed");
  }

  async holders(target: AssignmentTarget | MembershipTarget, excludeId: string): Promise<Holders> {
    const holding = [...this.grants.values()].filter(
      (grant) =>
        grant.id !== excludeId &&
        HOLDING_STATUSES.includes(grant.status) &&
        grant.principalId === target.principalId &&
        (isMembership(target)
          ? grant.groupId === target.groupId
          : grant.groupId === null && grant.accountId === target.accountId && grant.permissionSetName === target.permissionSetName),
    );
    const oldestFirst = holding.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    return {
      count: holding.length,
      ids: oldestFirst.slice(0, HOLDER_IDS_SHOWN).map((grant) => grant.id),
      keepsAssignment: holding.some((grant) => grant.keepsAssignment),
    };
  }

  /** The audit records about one grant ("" for those about no grant), oldest first. */
  actions(grantId: string): AuditNote[] {
    return this.audit.filter((entry) => entry.grantId === grantId).map((entry) => entry.note);
  }

  /** Just the actions of `actions(grantId)`. */
  actionsOf(grantId: string): AuditAction[] {
    return this.actions(grantId).map((note) => note.action);
  }

  private compareAndSet(id: string, from: GrantStatus, to: GrantStatus, changes: GrantChanges): Grant | undefined {
    const grant = this.grants.get(id);
    if (grant?.status !== from) return undefined;
    const updated: Grant = { ...grant, ...changes, status: to, updatedAt: this.clock.now() };
    this.grants.set(id, updated);
    return updated;
  }
}

/** A new extension as a store returns it once inserted: pending, undecided, not yet posted. */
export function storedExtension(extension: NewExtension): Extension {
  return { ...extension, status: "pending", decidedBy: null, decidedAt: null, approvalChannel: null, approvalTs: null };
}

/** Extensions in memory; their approvals and audit records live in the grant store, as in SQL. */
export class MemoryExtensionStore implements ExtensionStore {
  readonly rows = new Map<string, Extension>();

  constructor(private readonly grants: MemoryGrantStore) {}

  async insert(extension: NewExtension, note: AuditNote): Promise<Extension> {
    if (this.rows.has(extension.id)) throw new Error(`extension ${extension.id} exists`);
    const stored = storedExtension(extension);
    this.rows.set(stored.id, stored);
    this.grants.audit.push({
      grantId: stored.grantId,
      note: { ...note, detail: { ...note.detail, extensionId: stored.id, extraMs: stored.extraMs } },
    });
    return stored;
  }

  async get(id: string): Promise<Extension | undefined> {
    return this.rows.get(id);
  }

  async setMessage(id: string, channel: string, ts: string): Promise<void> {
    const extension = this.rows.get(id);
    if (extension) this.rows.set(id, { ...extension, approvalChannel: channel, approvalTs: ts });
  }

  async approve(
    id: string,
    approverId: string,
    at: number,
    decide: DecideApproval<Extension>,
    note: ApprovalNote,
  ): Promise<RecordedApproval<Extension> | undefined> {
    const current = this.rows.get(id);
    if (!current) return undefined;
    const outcome = decide(current, this.grants.approvals.get(id) ?? []);
    if (recordsApproval(outcome)) this.grants.addApprover(id, approverId);
    if (outcome.kind === "approved" && current.status !== "pending") throw new Error(`extension ${id} changed inside a transaction`);
    const extension: Extension =
      outcome.kind === "approved" ? { ...current, status: "approved", decidedBy: approverId, decidedAt: at } : current;
    this.rows.set(id, extension);
    if (outcome.audit) {
      const detail = { ...note.detail, extensionId: id, extraMs: current.extraMs, ...tallyOf(outcome) };
      this.grants.audit.push({ grantId: current.grantId, note: { ...note, action: outcome.audit, detail } });
    }
    return { subject: extension, outcome };
  }

  async close(
    id: string,
    status: "denied" | "expired",
    deciderId: string | null,
    at: number,
    note: AuditNote,
  ): Promise<Extension | undefined> {
    const current = this.rows.get(id);
    if (current?.status !== "pending") return undefined;
    const closed: Extension = { ...current, status, decidedBy: deciderId, decidedAt: at };
    this.rows.set(id, closed);
    this.grants.audit.push({
      grantId: current.grantId,
      note: { ...note, detail: { ...note.detail, extensionId: id, extraMs: closed.extraMs } },
    });
    return closed;
  }

  async listPending(): Promise<Extension[]> {
    return [...this.rows.values()].filter((extension) => extension.status === "pending").sort((a, b) => a.createdAt - b.createdAt);
  }
}

type ProviderCall = { readonly method: keyof AccessProvider; readonly target?: AssignmentTarget; readonly requestId?: string };

/**
 * Identity Center in memory: assignments held, changes AWS has accepted and not yet been asked
 * about (applied when awaited), and faults queued per method that the next call meets.
 */
export class MemoryIdentityCenter implements AccessProvider {
  readonly calls: ProviderCall[] = [];
  /** Users by email. */
  readonly users = new Map<string, string>();
  private readonly held: AssignmentTarget[] = [];
  private readonly accepted = new Map<string, { kind: OperationKind; target: AssignmentTarget; applied: boolean }>();
  private readonly faults = new Map<keyof AccessProvider, (Error | OperationOutcome)[]>();
  private requests = 0;

  /** Makes the next call of `method` throw `error`, or (awaitOperation) answer `outcome`. */
  failNext(method: keyof AccessProvider, fault: Error | OperationOutcome): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), fault]);
  }

  /** Has AWS accept a change the way a process that then died asked for it; returns its request id. */
  acceptChange(kind: OperationKind, target: AssignmentTarget): string {
    const requestId = `req-${++this.requests}`;
    this.accepted.set(requestId, { kind, target, applied: false });
    return requestId;
  }

  hold(target: AssignmentTarget): void {
    if (!this.holds(target)) this.held.push(target);
  }

  holds(target: AssignmentTarget): boolean {
    return this.held.some((held) => sameAssignment(held, target));
  }

  callsTo(method: keyof AccessProvider): ProviderCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Group memberships: "group|user" → MembershipId. */
  readonly memberships = new Map<string, string>();
  /** Each group's account assignments. */
  readonly groupAssignments = new Map<string, GroupAccess[]>();

  async membershipId(target: MembershipTarget): Promise<string | undefined> {
    return this.memberships.get(`${target.groupId}|${target.principalId}`);
  }

  async addMember(target: MembershipTarget): Promise<string | "exists"> {
    const key = `${target.groupId}|${target.principalId}`;
    if (this.memberships.has(key)) return "exists";
    const id = `membership-${this.memberships.size + 1}`;
    this.memberships.set(key, id);
    return id;
  }

  async removeMember(membershipId: string): Promise<"removed" | "absent"> {
    for (const [key, id] of this.memberships) {
      if (id === membershipId) {
        this.memberships.delete(key);
        return "removed";
      }
    }
    return "absent";
  }

  async groupAccess(groupId: string): Promise<GroupAccess[]> {
    return this.groupAssignments.get(groupId) ?? [];
  }

  async findPrincipal(email: string): Promise<string | undefined> {
    this.record({ method: "findPrincipal" });
    return this.users.get(email);
  }

  async assignmentExists(target: AssignmentTarget): Promise<boolean> {
    this.record({ method: "assignmentExists", target });
    return this.holds(target);
  }

  async listAssignments(accountId: string, permissionSetName: string): Promise<Assignment[]> {
    this.record({ method: "listAssignments" });
    return this.held
      .filter((held) => held.accountId === accountId && held.permissionSetName === permissionSetName)
      .map((held) => ({ principalType: held.principalType ?? "USER", principalId: held.principalId }));
  }

  async startCreate(target: AssignmentTarget): Promise<string> {
    this.record({ method: "startCreate", target });
    return this.acceptChange("create", target);
  }

  async startDelete(target: AssignmentTarget): Promise<string | "absent"> {
    this.record({ method: "startDelete", target });
    return this.holds(target) ? this.acceptChange("delete", target) : "absent";
  }

  async awaitOperation(kind: OperationKind, requestId: string): Promise<OperationOutcome> {
    const fault = this.fault("awaitOperation");
    this.calls.push({ method: "awaitOperation", requestId });
    if (fault instanceof Error) throw fault;
    const change = this.accepted.get(requestId);
    if (!change || change.kind !== kind) return { ok: false, reason: `no ${kind} request ${requestId}` };
    if (fault) return fault;
    // AWS applies a change once and answers the same about it however often it is asked.
    if (!change.applied) {
      if (kind === "create") this.hold(change.target);
      else
        this.held.splice(
          this.held.findIndex((held) => sameAssignment(held, change.target)),
          1,
        );
      change.applied = true;
    }
    return { ok: true };
  }

  private record(call: ProviderCall): void {
    const fault = this.fault(call.method);
    this.calls.push(call);
    if (fault instanceof Error) throw fault;
  }

  private fault(method: keyof AccessProvider): Error | OperationOutcome | undefined {
    return this.faults.get(method)?.shift();
  }
}

/** An outage: AWS did not answer (retryable). */
export function outage(): ProviderError {
  return new ProviderError("Identity Center did not answer", "ServiceUnavailable", true);
}

/** A definite refusal (not retryable). */
export function refusal(): ProviderError {
  return new ProviderError("not authorized to change this assignment", "AccessDeniedException", false);
}

export class RecordingNotifier implements Notifier {
  readonly told: Grant[] = [];
  readonly updated: Grant[] = [];
  /** Every message it was asked to post or change, in order: `kind subject-id`. */
  readonly sent: string[] = [];

  async postApprovalRequest(grant: Grant): Promise<{ channel: string; ts: string }> {
    this.sent.push(`approval-request ${grant.id}`);
    return { channel: "C0APPROVERS", ts: "1.0" };
  }

  async postApprovedNotice(grant: Grant): Promise<{ channel: string; ts: string }> {
    this.sent.push(`approved-notice ${grant.id}`);
    return { channel: "C0APPROVERS", ts: "1.0" };
  }

  async updateApprovalRequest(grant: Grant): Promise<void> {
    this.sent.push(`approval-message ${grant.id}`);
    this.updated.push(grant);
  }

  async tellRequester(grant: Grant): Promise<void> {
    this.sent.push(`requester ${grant.id}`);
    this.told.push(grant);
  }

  async warnRequester(grant: Grant): Promise<void> {
    this.sent.push(`warning ${grant.id}`);
  }

  async postBundleApproval(bundle: RequestBundle, channel: string): Promise<{ channel: string; ts: string }> {
    this.sent.push(`bundle-request ${bundle.id} ${channel}`);
    return { channel, ts: "3.0" };
  }

  async updateBundleApproval(bundle: RequestBundle): Promise<void> {
    this.sent.push(`bundle-message ${bundle.id}`);
  }

  async tellRequesterAboutBundle(bundle: RequestBundle): Promise<void> {
    this.sent.push(`bundle-requester ${bundle.id}`);
  }

  async postExtensionRequest(extension: Extension): Promise<{ channel: string; ts: string }> {
    this.sent.push(`extension-request ${extension.id}`);
    return { channel: "C0APPROVERS", ts: "2.0" };
  }

  async extensionDecided(extension: Extension, _grant: Grant, applied: boolean): Promise<void> {
    this.sent.push(`${applied ? "extension-applied" : "extension-closed"} ${extension.id}`);
  }

  async postEscalation(anchor: Grant): Promise<void> {
    this.sent.push(`escalation ${anchor.id}`);
  }

  async remindApprovers(anchor: Grant, _rule: Rule, escalated: boolean): Promise<void> {
    this.sent.push(`reminder ${anchor.id}${escalated ? " escalated" : ""}`);
  }

  async tellRequesterEscalated(anchor: Grant): Promise<void> {
    this.sent.push(`requester-escalated ${anchor.id}`);
  }
}

/** Escalations and reminders in memory, with the stores' compare-and-set semantics. */
export class MemoryApprovalNudges implements ApprovalNudges {
  private readonly states = new Map<string, NudgeState>();

  constructor(private readonly grants: MemoryGrantStore) {}

  async of(grantId: string): Promise<NudgeState> {
    return this.states.get(grantId) ?? NO_NUDGES;
  }

  async escalate(grantIds: readonly string[], at: number, note: AuditNote): Promise<boolean> {
    const [first] = grantIds;
    if (first === undefined || (await this.grants.get(first))?.status !== "pending" || (await this.of(first)).escalatedAt !== null) {
      return false;
    }
    for (const id of grantIds) {
      this.states.set(id, { ...(await this.of(id)), escalatedAt: at });
      await this.grants.note(id, note);
    }
    return true;
  }

  async remind(grantId: string, previous: number | null, at: number): Promise<boolean> {
    const state = await this.of(grantId);
    if (state.remindedAt !== previous) return false;
    this.states.set(grantId, { ...state, remindedAt: at });
    return true;
  }
}

export class MemoryLeases implements Leases {
  private readonly held = new Map<string, { holder: string; until: number }>();

  async acquire(key: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const lease = this.held.get(key);
    if (lease && lease.holder !== holder && lease.until > now) return false;
    this.held.set(key, { holder, until: now + ttlMs });
    return true;
  }

  async renewAll(holder: string, now: number, ttlMs: number): Promise<void> {
    for (const lease of this.held.values()) if (lease.holder === holder) lease.until = now + ttlMs;
  }

  async countLive(prefix: string, now: number): Promise<number> {
    return [...this.held].filter(([key, lease]) => key.startsWith(prefix) && lease.until > now).length;
  }

  async release(key: string, holder: string): Promise<void> {
    if (this.held.get(key)?.holder === holder) this.held.delete(key);
  }
}

/** The session fence's entries with the SQL stores' semantics: the upsert only moves an entry forward, removal is a compare-and-set. */
export class MemoryFenceEntries implements FenceEntries {
  private readonly entries = new Map<string, FenceEntry>();

  async put(entry: FenceEntry): Promise<void> {
    const stored = this.entries.get(fenceKey(entry));
    this.entries.set(
      fenceKey(entry),
      stored
        ? {
            ...stored,
            fencedAt: Math.max(stored.fencedAt, entry.fencedAt),
            liftAt: Math.max(stored.liftAt, entry.liftAt),
            grantId: entry.fencedAt > stored.fencedAt ? entry.grantId : stored.grantId,
          }
        : { ...entry },
    );
  }

  async all(): Promise<FenceEntry[]> {
    return [...this.entries.values()].sort(
      (a, b) =>
        a.principalId.localeCompare(b.principalId) ||
        a.accountId.localeCompare(b.accountId) ||
        a.permissionSetName.localeCompare(b.permissionSetName),
    );
  }

  async remove(entries: readonly FenceEntry[]): Promise<number> {
    let removed = 0;
    for (const entry of entries) {
      const stored = this.entries.get(fenceKey(entry));
      if (stored?.fencedAt === entry.fencedAt && stored.liftAt === entry.liftAt && this.entries.delete(fenceKey(entry))) removed += 1;
    }
    return removed;
  }

  async nextLift(): Promise<number | undefined> {
    const lifts = [...this.entries.values()].map((entry) => entry.liftAt);
    return lifts.length > 0 ? Math.min(...lifts) : undefined;
  }
}

export class RecordingLogger implements Logger {
  readonly lines: { level: string; message: string; context: object }[] = [];
  debug(context: object, message: string): void {
    this.lines.push({ level: "debug", message, context });
  }
  info(context: object, message: string): void {
    this.lines.push({ level: "info", message, context });
  }
  warn(context: object, message: string): void {
    this.lines.push({ level: "warn", message, context });
  }
  error(context: object, message: string): void {
    this.lines.push({ level: "error", message, context });
  }
}

export const ALICE_PRINCIPAL = "p-alice";
export const ADMIN_SET = "AdministratorAccess";

/** The rule newGrant's requests are made under (prod-admin: alice asks, bob approves). */
export const PROD_ADMIN: Rule = fullRule({
  name: "prod-admin",
  accountIds: [PROD],
  permissionSets: [ADMIN_SET],
  requesters: [{ kind: "email", email: "alice@example.com" }],
  approvers: [{ kind: "email", email: "bob@example.com" }],
  approverChannel: "C0APPROVERS",
  maxDurationMs: 4 * 3_600_000,
});

export const MEMORY_POLICY: Policy = {
  unmanagedAssignments: "ignore",
  sessionFence: FENCE_OFF,
  sharedAddressPatterns: [],
  admins: [],
  accounts: [{ id: PROD, name: "prod" }],
  permissionSets: [ADMIN_SET],
  rules: [PROD_ADMIN],
};

/** Every port in memory, and the ServiceDeps made of them. */
export interface MemoryWorld {
  readonly clock: FakeClock;
  readonly store: MemoryGrantStore;
  readonly extensions: MemoryExtensionStore;
  readonly operations: MemoryOperationLog;
  readonly provider: MemoryIdentityCenter;
  readonly notifier: RecordingNotifier;
  readonly logger: RecordingLogger;
  /** Who the directory says people are; set one to change what Slack reports from now on. */
  readonly people: Map<string, Person>;
  readonly deps: ServiceDeps;
}

export function memoryWorld(overrides: { policy?: Policy; people?: readonly Person[]; now?: number } = {}): MemoryWorld {
  const clock = new FakeClock(overrides.now ?? T0);
  const store = new MemoryGrantStore(clock);
  const extensions = new MemoryExtensionStore(store);
  const operations = new MemoryOperationLog(clock);
  const provider = new MemoryIdentityCenter();
  provider.users.set("alice@example.com", ALICE_PRINCIPAL);
  const notifier = new RecordingNotifier();
  const logger = new RecordingLogger();
  const people = new Map((overrides.people ?? []).map((person) => [person.slackId, person]));
  const deps: ServiceDeps = {
    store,
    operations,
    extensions,
    provider,
    notifier,
    directory: {
      async person(slackUserId) {
        return people.get(slackUserId) ?? { slackId: slackUserId, email: null, standing: "member" };
      },
    },
    clock,
    policy: overrides.policy ?? MEMORY_POLICY,
    logger,
    work: new WorkTracker({ leases: new MemoryLeases(), holder: "memory", clock }),
    refusals: new RefusalRecorder(store, logger, clock),
    settings: { revocationAlertAfter: 3, revocationsAtOnce: () => 2 },
    fenceFacts: noFence(),
    sessionFence: new SessionFence(new MemoryFenceEntries(), null),
    nudges: new MemoryApprovalNudges(store),
    groups: [],
  };
  return { clock, store, extensions, operations, provider, notifier, logger, people, deps };
}

/** Alice's target under newGrant's request. */
export const ALICE_TARGET: AssignmentTarget = { accountId: PROD, permissionSetName: ADMIN_SET, principalId: ALICE_PRINCIPAL };

/** Stores newGrant(id) and moves it to approved (decided now), as a decision would. */
export async function approvedGrant(world: MemoryWorld, grant: NewGrant): Promise<Grant> {
  await world.store.insert(grant, { action: "requested", actorId: grant.requesterId });
  const approved = await world.store.transition(
    grant.id,
    "pending",
    "approved",
    { decidedBy: "U0BOB", decidedAt: world.clock.now() },
    {
      action: "approved",
      actorId: "U0BOB",
    },
  );
  if (!approved) throw new Error(`grant ${grant.id} was not approved`);
  world.store.approvals.set(grant.id, ["U0BOB"]);
  return approved;
}

/** A grant that became active for alice's target, as provisioning leaves it (its creation logged). */
export async function activeGrant(world: MemoryWorld, grant: NewGrant): Promise<Grant> {
  await approvedGrant(world, grant);
  await world.store.transition(grant.id, "approved", "provisioning", { principalId: ALICE_PRINCIPAL, keepsAssignment: false }, null);
  const creation = await world.operations.intend(grant.id, "create", ALICE_TARGET);
  await world.operations.started(creation.id, `req-create-${grant.id}`);
  await world.operations.finished(creation.id, "succeeded");
  world.provider.hold(ALICE_TARGET);
  const now = world.clock.now();
  const active = await world.store.transition(
    grant.id,
    "provisioning",
    "active",
    { activatedAt: now, expiresAt: now + grant.durationMs },
    {
      action: "provisioned",
      actorId: "system",
    },
  );
  if (!active) throw new Error(`grant ${grant.id} did not become active`);
  return active;
}
