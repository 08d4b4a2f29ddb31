// The narrow interfaces services depend on. Store, AWS and Slack each implement one of these.
import type { GrantActivity } from "../domain/access-review.js";
import type { ActivityDigest } from "../domain/activity-digest.js";
import type { ActivityLookup } from "../domain/activity-event.js";
import type { ApprovalOutcome } from "../domain/approval.js";
import type { NudgeState } from "../domain/approval-nudges.js";
import type { AuditAction, AuditNote } from "../domain/audit-event.js";
import type { Extension, NewExtension } from "../domain/extension.js";
import type { Person } from "../domain/people.js";
import type { Approval, Rule } from "../domain/policy.js";
import type { Grant, GrantChanges, GrantStatus, NewGrant } from "../domain/grant.js";
import type { RequestBundle } from "../domain/request-bundle.js";
import type { FenceEntry } from "../domain/session-fence.js";
import type { GroupAccess } from "../domain/group-access.js";

export interface GrantStore {
  /** Stores a new pending grant and its "requested" audit record in one transaction. */
  insert(grant: NewGrant, note: AuditNote): Promise<Grant>;
  /** Stores the pending grants of a multi-target request and their audit records, all in one transaction. */
  insertAll(entries: readonly { grant: NewGrant; note: AuditNote }[]): Promise<Grant[]>;
  get(id: string): Promise<Grant | undefined>;
  /** The grants of one multi-target request, by account and permission set. */
  listBundle(bundleId: string): Promise<Grant[]>;
  /**
   * Compare-and-set: moves the grant from `from` to `to` with `changes` and appends `note` (if any)
   * to the audit trail, all in one transaction. Returns undefined (and changes nothing) when the grant
   * is no longer in `from`.
   */
  transition(id: string, from: GrantStatus, to: GrantStatus, changes: GrantChanges, note: AuditNote | null): Promise<Grant | undefined>;
  /** Compare-and-set without a status change: updates fields only while the grant is still in `status`. */
  amend(id: string, status: GrantStatus, changes: GrantChanges): Promise<Grant | undefined>;
  /** Appends an audit record about a grant that is not a status change (a retry, a warning). */
  note(grantId: string, note: AuditNote): Promise<void>;
  /** Appends an audit record about an account and permission set rather than a grant (grant id ""). */
  noteUnattached(scope: { accountId: string; permissionSet: string }, note: AuditNote): Promise<void>;
  listByStatus(statuses: readonly GrantStatus[]): Promise<Grant[]>;
  /** Pending requests made at or before `before`, oldest first (candidates for the approval timeout). */
  listPendingCreatedBefore(before: number): Promise<Grant[]>;
  /** Active grants whose expiry is at or before `now`, soonest first. */
  listExpired(now: number): Promise<Grant[]>;
  /** The earliest expiry among active grants, if any. */
  nextExpiry(): Promise<number | undefined>;
  /**
   * The one approval primitive, in one transaction under a lock on the grant: hands `decide` the
   * grant and its distinct approvers so far, then records what the outcome says and nothing else —
   * the approver (counted, approved), an audit record under `outcome.audit` with `note`'s actor and
   * detail and the tally, and for the last approval needed the compare-and-set pending → approved
   * with `changes`. Undefined when there is no such grant.
   */
  approve(
    grantId: string,
    approverId: string,
    decide: DecideApproval<Grant>,
    changes: GrantChanges,
    note: ApprovalNote,
  ): Promise<RecordedApproval<Grant> | undefined>;
  /**
   * Adds `extraMs` to an active grant unless that takes it past `maxTotalMs` from activation; audited.
   * With `reopenReview` an after-the-fact review is cleared too (the audit detail says whether there was one).
   */
  extend(grantId: string, extraMs: number, maxTotalMs: number, note: AuditNote, reopenReview: boolean): Promise<Grant | undefined>;
  /** The requester's grants in these statuses, newest first. */
  listForRequester(requesterId: string, statuses: readonly GrantStatus[], limit: number): Promise<Grant[]>;
  /** Break-glass grants nobody has acknowledged yet, oldest first. */
  listUnreviewed(limit: number): Promise<Grant[]>;
  /** Who has approved a request or extension so far. */
  approversOf(subjectId: string): Promise<string[]>;
  /** Records the expiry warning once (compare-and-set on "not yet warned"); false when already warned. */
  markWarned(grantId: string, note: AuditNote): Promise<boolean>;
  /** Records the after-the-fact review of break-glass access once; undefined when already reviewed. */
  markReviewed(grantId: string, reviewerId: string, note: AuditNote): Promise<Grant | undefined>;
  /**
   * Records, once per grant and reason (compare-and-set on the reason last recorded), that the
   * grant holds access the policy no longer allows, with its audit record in the same transaction;
   * false when this reason was already the one recorded.
   */
  markLeftPolicy(grantId: string, reason: string, note: AuditNote): Promise<boolean>;
  /** The grants other than `excludeId` that hold (or are acquiring) this exact assignment or group membership. */
  holders(target: AssignmentTarget | MembershipTarget, excludeId: string): Promise<Holders>;
}

/** How many grants hold one target, which (the oldest few), and whether any found the access there before it. */
export interface Holders {
  readonly count: number;
  /** At most HOLDER_IDS_SHOWN ids, oldest grant first: enough to name in a message. */
  readonly ids: readonly string[];
  readonly keepsAssignment: boolean;
}

export const HOLDER_IDS_SHOWN = 5;

/** The domain's decision, taken inside the store's transaction on the subject as locked there. */
export type DecideApproval<S> = (subject: S, approvers: readonly string[]) => ApprovalOutcome;

/** Who decided and what the audit record says besides the action, which the outcome names. */
export type ApprovalNote = Omit<AuditNote, "action">;

export interface RecordedApproval<S> {
  /** The subject after the transaction. */
  readonly subject: S;
  readonly outcome: ApprovalOutcome;
}

export interface ExtensionStore {
  /** Stores a pending extension and audits it on its grant, in one transaction. */
  insert(extension: NewExtension, note: AuditNote): Promise<Extension>;
  get(id: string): Promise<Extension | undefined>;
  setMessage(id: string, channel: string, ts: string): Promise<void>;
  /** Like GrantStore.approve, for an extension (approved at `at` by its last approver); audited on its grant. */
  approve(
    id: string,
    approverId: string,
    at: number,
    decide: DecideApproval<Extension>,
    note: ApprovalNote,
  ): Promise<RecordedApproval<Extension> | undefined>;
  /** pending → denied or expired (compare-and-set), audited on the grant. */
  close(id: string, status: "denied" | "expired", deciderId: string | null, at: number, note: AuditNote): Promise<Extension | undefined>;
  listPending(): Promise<Extension[]>;
}

export interface AssignmentTarget {
  readonly accountId: string;
  readonly permissionSetName: string;
  readonly principalId: string;
  /** Grants are for users; reconciliation may also remove a group's assignment. Default USER. */
  readonly principalType?: "USER" | "GROUP";
}

/** A user's membership of an Identity Center group: what a group grant adds and removes. */
export interface MembershipTarget {
  readonly groupId: string;
  readonly principalId: string;
}

/** What an operation changes: an account assignment, or a group membership. */
export type OperationTarget = AssignmentTarget | MembershipTarget;

export function isMembership(target: OperationTarget): target is MembershipTarget {
  return "groupId" in target;
}

/** Who holds a permission set on an account, as the provider reports it. */
export interface Assignment {
  readonly principalType: "USER" | "GROUP";
  readonly principalId: string;
}

/** The two changes to an account assignment. */
export type AssignmentChange = "create" | "delete";

/** The two changes to a group membership (Identity Store CreateGroupMembership, DeleteGroupMembership). */
export type MembershipChange = "add-member" | "remove-member";

/** An assignment or membership change, or a fence: the user's older role sessions added to the session fence. */
export type OperationKind = AssignmentChange | MembershipChange | "fence";

export type OperationState = "intended" | "started" | "succeeded" | "failed" | "absent" | "abandoned";

/** An operation not yet ended: written before AWS was called, or accepted by AWS with no outcome recorded yet. */
export const UNFINISHED_STATES = ["intended", "started"] as const satisfies readonly OperationState[];

/** How an operation ended. */
export type FinishedState = Exclude<OperationState, (typeof UNFINISHED_STATES)[number]>;

export function isUnfinished(operation: Operation): boolean {
  return (UNFINISHED_STATES as readonly OperationState[]).includes(operation.state);
}

/** One assignment or membership change the bot made or meant to make. */
export interface Operation {
  readonly id: number;
  /** The grant it was made for; null for standing access reconciliation removed, which no grant explains. */
  readonly grantId: string | null;
  readonly kind: OperationKind;
  /** A MembershipTarget for add-member and remove-member (and a group grant's fence), else an AssignmentTarget. */
  readonly target: OperationTarget;
  /**
   * intended: written before calling AWS; started: AWS accepted it (requestId known). For a
   * membership change the requestId is the Identity Store MembershipId.
   */
  readonly state: OperationState;
  readonly requestId: string | null;
  readonly failureReason: string | null;
  readonly createdAt: number;
}

/**
 * Written before each AWS call and after its outcome, so a restart follows up instead of guessing.
 * Written only through services/assignment-operations.ts.
 */
export interface OperationLog {
  intend(grantId: string | null, kind: OperationKind, target: OperationTarget): Promise<Operation>;
  started(id: number, requestId: string): Promise<void>;
  /** Compare-and-set: records the outcome of an operation still intended or started; false when it was not. */
  finished(id: number, state: FinishedState, failureReason?: string): Promise<boolean>;
  /** The grant's most recent operation of this kind. */
  latest(grantId: string, kind: OperationKind): Promise<Operation | undefined>;
  /** The most recent operation of this kind on this assignment that belongs to no grant. */
  latestUnattached(kind: OperationKind, target: AssignmentTarget): Promise<Operation | undefined>;
  /** Operations still intended or started, oldest first: the ones a crash may have left without an outcome. */
  unfinished(): Promise<Operation[]>;
  /** The most recent completed change (created, deleted, or found already gone) on this assignment. */
  lastFinishedOn(target: AssignmentTarget): Promise<Operation | undefined>;
  /**
   * Assignments and memberships whose most recent completed change was a creation (or addition) by
   * the bot: the ones it is answerable for.
   */
  createdByUs(): Promise<Operation[]>;
  forGrant(grantId: string): Promise<Operation[]>;
}

export type OperationOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * The cloud side of a grant. Errors are thrown as ProviderError. Its changes (start…, awaitOperation)
 * are called only by services/assignment-operations.ts, which writes each to the operation log.
 */
export interface AccessProvider {
  /** Identity Center user id for this email, or undefined when there is none. */
  findPrincipal(email: string): Promise<string | undefined>;
  assignmentExists(target: AssignmentTarget): Promise<boolean>;
  /** Every user and group holding the permission set on the account. */
  listAssignments(accountId: string, permissionSetName: string): Promise<Assignment[]>;
  /** Starts creating the assignment; returns the AWS request id to follow it by. */
  startCreate(target: AssignmentTarget): Promise<string>;
  /** Starts deleting the assignment; "absent" when there was nothing to delete. */
  startDelete(target: AssignmentTarget): Promise<string | "absent">;
  /** Waits until the operation has succeeded or failed. */
  awaitOperation(kind: AssignmentChange, requestId: string): Promise<OperationOutcome>;
  /** The membership's MembershipId (GetGroupMembershipId), or undefined when the user is not a member. */
  membershipId(target: MembershipTarget): Promise<string | undefined>;
  /** Adds the user to the group (CreateGroupMembership): its MembershipId, or "exists" when they are a member already. */
  addMember(target: MembershipTarget): Promise<string | "exists">;
  /** Removes the membership (DeleteGroupMembership); "absent" when it was gone already. */
  removeMember(membershipId: string): Promise<"removed" | "absent">;
  /** The group's account assignments (ListAccountAssignmentsForPrincipal with PrincipalType GROUP). */
  groupAccess(groupId: string): Promise<GroupAccess[]>;
}

/** What a look-up is for: a decision must see changes within seconds; a view may show an older answer. */
export type LookupPurpose = "decision" | "display";

/** Who a Slack user is, as far as policy and provisioning need. */
export interface UserDirectory {
  /**
   * The person as policy sees them: Slack id, standing, confirmed email, and the policy's user
   * groups they belong to. `purpose` defaults to "decision".
   */
  person(slackUserId: string, purpose?: LookupPurpose): Promise<Person>;
}

/** Messages to people. Implementations must not throw for delivery problems they can log instead. */
export interface Notifier {
  /**
   * Posts the request with Approve/Deny to the rule's approvers' channel (and, when the rule says
   * so, to each approver directly); returns where the channel message landed.
   */
  postApprovalRequest(grant: Grant, rule: Rule): Promise<{ channel: string; ts: string }>;
  /** Posts a notice of a request approved without approvers (auto-approval or break-glass). */
  postApprovedNotice(grant: Grant, rule: Rule, path: Exclude<Approval, "approvers">): Promise<{ channel: string; ts: string }>;
  /** Replaces the approval message with the decision, approvals so far and the outcome. */
  updateApprovalRequest(grant: Grant, approvers?: readonly string[]): Promise<void>;
  /** Tells the requester what happened to their grant. */
  tellRequester(grant: Grant): Promise<void>;
  /**
   * Posts a multi-target request to one approvers' channel, listing every target, with Approve/Deny
   * for each part decided there (and to each of that part's approvers directly, when its rule says so).
   */
  postBundleApproval(bundle: RequestBundle, channel: string): Promise<{ channel: string; ts: string }>;
  /** Replaces every message about the multi-target request (channels and approvers' copies) with where it stands. */
  updateBundleApproval(bundle: RequestBundle): Promise<void>;
  /** Tells the requester where each part of their multi-target request stands. */
  tellRequesterAboutBundle(bundle: RequestBundle): Promise<void>;
  /** Warns the requester the grant ends soon, with Extend and End now buttons. */
  warnRequester(grant: Grant): Promise<void>;
  /** Posts an extension request with Approve/Deny to the rule's approvers' channel. */
  postExtensionRequest(extension: Extension, grant: Grant, rule: Rule): Promise<{ channel: string; ts: string }>;
  /** Replaces the extension request message with its outcome, and tells the requester. */
  extensionDecided(extension: Extension, grant: Grant, applied: boolean): Promise<void>;
  /**
   * Posts a request nobody decided in time to the rule's escalation, with Approve/Deny: to its
   * channel, or to each of its approvers directly. Every copy is kept under `anchor` (the request, or
   * the first grant of a multi-target request's part), so each later change of the request reaches it.
   * `bundle` is the multi-target request the anchor belongs to, if any.
   */
  postEscalation(anchor: Grant, rule: Rule, bundle?: RequestBundle): Promise<void>;
  /** Reminds the approvers (the escalation's too, once escalated) in the thread of the approval message. */
  remindApprovers(anchor: Grant, rule: Rule, escalated: boolean): Promise<void>;
  /** Tells the requester their request was escalated, and to whom. */
  tellRequesterEscalated(anchor: Grant, rule: Rule): Promise<void>;
}

/**
 * Named leases shared by every process on the database: a replica takes one before working on an
 * item (a grant's AWS work, an assignment, the audit outbox), so each item is worked on by one
 * replica at a time; a replica that dies stops renewing, and its leases lapse after their TTL.
 */
export interface Leases {
  /**
   * Takes `key` for `holder` until `now + ttlMs`, or extends it when `holder` already has it.
   * False when another holder's lease has not yet lapsed at `now`.
   */
  acquire(key: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  /** Extends every lease `holder` has to `now + ttlMs`, in one write. */
  renewAll(holder: string, now: number, ttlMs: number): Promise<void>;
  /** How many leases whose key starts with `prefix` have not lapsed at `now`. */
  countLive(prefix: string, now: number): Promise<number>;
  /** Gives the lease up, if `holder` still has it. */
  release(key: string, holder: string): Promise<void>;
}

/**
 * The account's quota of assignment creations outstanding at once, shared by every process that
 * creates them: a slot is taken before CreateAccountAssignment and given back once AWS has said how
 * the creation ended.
 */
export interface CreationBudget {
  /** Waits for a slot; resolves to the function that gives it back (calling it again does nothing). */
  acquire(): Promise<() => void>;
}

/** Structured logging, satisfied by pino. */
export interface Logger {
  debug(context: object, message: string): void;
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

export interface AuditFact {
  readonly seq: number;
  readonly action: AuditAction;
  readonly at: number;
  /** The grant's request time and expiry, when the record is about a grant. */
  readonly grantCreatedAt: number | null;
  readonly grantExpiresAt: number | null;
}

/** What metrics read from the database when scraped. */
export interface MetricsSource {
  /** Grants per open status (OPEN_STATUSES). */
  grantsByStatus(): Promise<Partial<Record<GrantStatus, number>>>;
  /** Audit records not yet posted to the audit channel, and the time of the oldest. */
  outbox(): Promise<{ readonly depth: number; readonly oldestAt: number | null }>;
  lastAuditSeq(): Promise<number>;
  /** Audit records after `seq` (written by any process), oldest first. */
  auditSince(seq: number, limit: number): Promise<AuditFact[]>;
}

/** Which signed Slack requests have been seen, so an exact replay inside Slack's five-minute window is refused (kept in the database: a restart or another replica refuses it too). */
export interface SeenRequests {
  /**
   * Records the request's signature until `expiresAt` (epoch ms, when its timestamp leaves the
   * window and Slack's signature check refuses it anyway). False if it was already recorded.
   */
  firstSight(signature: string, expiresAt: number): Promise<boolean>;
}

/** Where the copies of a request's approval message went besides the approvers' channel (each approver's DM), so every copy is updated with the outcome. */
export interface MessageLocation {
  readonly channel: string;
  readonly ts: string;
}

export interface ApproverMessages {
  /** Remembers one more copy of the grant's approval message (again: no change). */
  add(grantId: string, location: MessageLocation): Promise<void>;
  /** Every copy remembered for the grant. */
  of(grantId: string): Promise<MessageLocation[]>;
}

/**
 * Escalations and reminders of pending requests, each recorded by a compare-and-set, so neither two
 * replicas nor a restart escalates a request twice or reminds more often than the rule says.
 */
export interface ApprovalNudges {
  /** What is on record for the grant (NO_NUDGES when nothing is). */
  of(grantId: string): Promise<NudgeState>;
  /**
   * Records the escalation of a request at `at`, and `note` in each grant's audit trail, in one
   * transaction: `grantIds` are the request, or the pending grants of a multi-target request's part,
   * the first the one the escalation is kept by. Only while that first grant is still pending and not
   * yet escalated; false (and nothing written) otherwise.
   */
  escalate(grantIds: readonly string[], at: number, note: AuditNote): Promise<boolean>;
  /** Records a reminder at `at` if the last one on record is still `previous`; false when another process reminded meanwhile. */
  remind(grantId: string, previous: number | null, at: number): Promise<boolean>;
}

/** The session fence's entries, kept in the database so every replica renders the same policies. */
export interface FenceEntries {
  /**
   * Adds the entry, or moves the one for the same user, account and permission set forward: the
   * later fencedAt and the later liftAt win, and grantId goes with the later fencedAt.
   */
  put(entry: FenceEntry): Promise<void>;
  all(): Promise<FenceEntry[]>;
  /** Removes each entry still exactly as given (one fenced again since is kept); how many were removed. */
  remove(entries: readonly FenceEntry[]): Promise<number>;
  /** The earliest liftAt, if any. */
  nextLift(): Promise<number | undefined>;
}

/**
 * The AWS side of the session fence: the bot's own service control policies. Errors are thrown as
 * ProviderError. Called only by services/session-fence.ts, under the session-fence lease.
 */
export interface SessionFenceWriter {
  /**
   * Makes the bot's policies say exactly `documents` (one per configured policy name, in that
   * order), creating and attaching any that are missing, and updating only those that changed, in
   * `order` (indexes into documents; index order when not given).
   */
  write(documents: readonly string[], order?: readonly number[]): Promise<void>;
}

/**
 * The organization as last read from AWS Organizations, as the database holds it: shared by every
 * replica and jit-admin so that one read serves them all. The snapshot is JSON text, unchecked:
 * whoever can write the database can write anything here, so readers validate it before use.
 */
export interface StoredOrganization {
  /** When it was read (epoch ms), as the row says. */
  readonly readAt: number;
  /** The lease holder that read it: `bot…` or `jit-admin:…`. */
  readonly readBy: string;
  readonly snapshot: string;
}

export interface OrganizationSnapshots {
  /** When the stored snapshot was read, without loading it; undefined when there is none. */
  readAt(): Promise<number | undefined>;
  latest(): Promise<StoredOrganization | undefined>;
  /** Replaces the stored snapshot (the last write wins: replicas write under a lease). */
  put(stored: StoredOrganization): Promise<void>;
}

/** The grants of a period as an access review reads them (jit-admin report). */
export interface PeriodRecords {
  readonly grants: readonly Grant[];
  /** Distinct approvers of each grant's request, in the order they approved. */
  readonly approvers: ReadonlyMap<string, readonly string[]>;
  /** Approved extensions of each grant. */
  readonly extensions: ReadonlyMap<string, number>;
  /** What each grant's activity digest found, for grants that have one. */
  readonly activity: ReadonlyMap<string, GrantActivity>;
}

export interface AccessHistory {
  /** Grants requested in [from, to) or holding access at some time in it, read at one moment. */
  ofPeriod(from: number, to: number): Promise<PeriodRecords>;
}

/** Where a grant's activity digest stands: to collect, collected (and audited), being posted, posted. */
export type DigestState = "pending" | "collected" | "posting" | "posted";

/** The activity digest of one ended grant (one per grant, made when it is revoked). */
export interface DigestJob {
  readonly grantId: string;
  readonly state: DigestState;
  /** Collections that came back partial so far. */
  readonly attempts: number;
  /** Not to be worked on before this (a retry of a partial collection); null: as soon as due. */
  readonly retryAt: number | null;
  /** The ActivityDigest as JSON, once collected. */
  readonly digest: string | null;
  readonly needsReview: boolean;
  readonly reviewedBy: string | null;
  readonly reviewedAt: number | null;
  /** Where the digest was posted (the approval message's thread). */
  readonly channel: string | null;
  readonly ts: string | null;
  readonly createdAt: number;
}

/** The digest jobs. Every change is a compare-and-set on the state, so each digest is collected and posted once. */
export interface ActivityDigests {
  get(grantId: string): Promise<DigestJob | undefined>;
  /** Jobs not yet posted whose retry time (if any) has come, oldest first. */
  unfinished(now: number, limit: number): Promise<DigestJob[]>;
  /** Not to be looked at again before `at` (a job whose window or CloudTrail's delay has not passed yet). */
  defer(grantId: string, at: number): Promise<void>;
  /** A partial collection: tries again at `retryAt` (while still pending after `attempts` tries). */
  retryLater(grantId: string, attempts: number, retryAt: number): Promise<boolean>;
  /** pending → collected with the digest, and its audit record on the grant in the same transaction. */
  collect(grantId: string, digest: string, needsReview: boolean, note: AuditNote): Promise<boolean>;
  /** collected → posting: written before the post, so a restart knows a post may have been made. */
  startPosting(grantId: string): Promise<boolean>;
  /** posting → posted, with where it went. */
  posted(grantId: string, channel: string, ts: string): Promise<boolean>;
  /** Records the review once (a digest that needs one, not yet reviewed), audited in the same transaction. */
  review(grantId: string, reviewerId: string, at: number, note: AuditNote): Promise<DigestJob | undefined>;
  /** Collected digests that need a review nobody has given, oldest first. */
  listUnreviewed(limit: number): Promise<DigestJob[]>;
}

/** Whose role sessions, on which target, over which time (epoch ms, both ends included). */
export interface ActivityQuery {
  readonly accountId: string;
  readonly permissionSetName: string;
  /** The Identity Center user the grant was for. */
  readonly principalId: string;
  readonly from: number;
  readonly until: number;
}

/**
 * Where a grant's CloudTrail events are read (LookupEvents in each configured region of the target
 * account, through a read-only role there). Never throws for AWS failures: what could not be read
 * is in the lookup's gaps, so a digest says it is partial instead of dropping events silently.
 */
export interface ActivitySource {
  lookup(query: ActivityQuery): Promise<ActivityLookup>;
}

/** Where digests go in Slack: the approval message's thread. Errors are thrown (the job posts again later). */
export interface DigestPoster {
  /** Posts the digest; returns where it went. */
  post(grant: Grant, job: DigestJob, digest: ActivityDigest): Promise<MessageLocation>;
  /** The digest an earlier process posted for this grant but died before recording, if it is there. */
  find(grant: Grant): Promise<MessageLocation | undefined>;
  /** Shows the digest as it now stands (reviewed, by whom) where it was posted. */
  update(grant: Grant, job: DigestJob, digest: ActivityDigest): Promise<void>;
}
