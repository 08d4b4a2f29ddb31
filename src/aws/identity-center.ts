// The AWS access provider: IAM Identity Center account assignments for Identity Store users, and
// Identity Store group memberships.
import { GetUserIdCommand, type IdentitystoreClient } from "@aws-sdk/client-identitystore";
import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  ListAccountAssignmentCreationStatusCommand,
  ListAccountAssignmentDeletionStatusCommand,
  ListAccountAssignmentsCommand,
  ListAccountAssignmentsForPrincipalCommand,
  type AccountAssignmentOperationStatus,
  type AccountAssignmentOperationStatusMetadata,
  type SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { sleep, type Clock } from "../domain/clock.js";
import { ProviderError } from "../domain/errors.js";
import type { GroupAccess } from "../domain/group-access.js";
import type {
  AccessProvider,
  Assignment,
  AssignmentTarget,
  AssignmentChange,
  CreationBudget,
  MembershipTarget,
  OperationOutcome,
} from "../services/ports.js";
import { GroupMemberships } from "./group-memberships.js";
import { toProviderError } from "./errors.js";
import { RateLimiter, type Priority } from "./limiter.js";
import { OperationConfirmer, type ListedStatus } from "./operation-confirmer.js";

export interface IdentityCenterSettings {
  readonly instanceArn: string;
  readonly identityStoreId: string;
  /** Permission set name → ARN, resolved at start. */
  readonly permissionSetArns: ReadonlyMap<string, string>;
  /** Every permission set of the instance, ARN → name, to say what a group's assignments are. */
  readonly permissionSetNames: ReadonlyMap<string, string>;
  readonly callsPerSecond: number;
  readonly pollIntervalMs: number;
  /** How long an operation may stay IN_PROGRESS before we stop waiting (the grant is resumed later). */
  readonly operationTimeoutMs: number;
  /** Attempts per call for retryable failures (throttling, conflicts, 5xx, network). */
  readonly retries: number;
}

const PRINCIPAL_TTL_MS = 5 * 60_000;
const MISSING_PRINCIPAL_TTL_MS = 60_000;
/** The first wait, doubled per refusal up to the cap, before a creation refused for the quota is sent again. */
const QUOTA_BACKOFF_MS = { first: 500, cap: 10_000 } as const;
/** The most List…Status accepts (MaxResults 1–100; IAM Identity Center API Reference, ListAccountAssignmentDeletionStatus). */
const STATUS_PAGE_SIZE = 100;

function listedStatuses(entries: readonly AccountAssignmentOperationStatusMetadata[] | undefined): ListedStatus[] {
  const listed: ListedStatus[] = [];
  for (const { RequestId: requestId, Status: status } of entries ?? []) {
    if (requestId && status) listed.push({ requestId, status });
  }
  return listed;
}

export class IdentityCenterProvider implements AccessProvider {
  private readonly limiter: RateLimiter;
  private readonly creationPermits = new Map<string, () => void>();
  private readonly principals = new Map<string, { principalId: string | undefined; until: number }>();
  private readonly memberships: GroupMemberships;
  private readonly confirmer: OperationConfirmer;

  constructor(
    private readonly ssoAdmin: SSOAdminClient,
    private readonly identityStore: IdentitystoreClient,
    private readonly settings: IdentityCenterSettings,
    private readonly clock: Clock,
    /** Slots for creations outstanding, shared with every other process creating assignments. */
    private readonly creations: CreationBudget,
  ) {
    this.limiter = new RateLimiter(settings.callsPerSecond, undefined, clock);
    this.confirmer = new OperationConfirmer(
      { list: (kind, nextToken) => this.listStatuses(kind, nextToken), describe: (kind, requestId) => this.describe(kind, requestId) },
      settings,
      clock,
      { backlogged: () => this.limiter.waiting("revoke") > 0, idle: () => this.limiter.queued === 0 },
    );
    this.memberships = new GroupMemberships(identityStore, settings.identityStoreId, (priority, action, send) =>
      this.call(priority, action, send),
    );
  }

  membershipId(target: MembershipTarget): Promise<string | undefined> {
    return this.memberships.membershipId(target);
  }

  addMember(target: MembershipTarget): Promise<string | "exists"> {
    return this.memberships.add(target);
  }

  removeMember(membershipId: string): Promise<"removed" | "absent"> {
    return this.memberships.remove(membershipId);
  }

  async groupAccess(groupId: string): Promise<GroupAccess[]> {
    const access: GroupAccess[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call("normal", "ListAccountAssignmentsForPrincipal", () =>
        this.ssoAdmin.send(
          new ListAccountAssignmentsForPrincipalCommand({
            InstanceArn: this.settings.instanceArn,
            PrincipalId: groupId,
            PrincipalType: "GROUP",
            NextToken: nextToken,
          }),
        ),
      );
      for (const assignment of page.AccountAssignments ?? []) {
        if (!assignment.AccountId || !assignment.PermissionSetArn) continue;
        const permissionSetName = this.settings.permissionSetNames.get(assignment.PermissionSetArn) ?? assignment.PermissionSetArn;
        access.push({ accountId: assignment.AccountId, permissionSetName });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return access;
  }

  /** Takes an equal share of the configured calls per second with `replicas - 1` other replicas. */
  shareQuota(replicas: number): void {
    this.limiter.setRate(this.settings.callsPerSecond / Math.max(1, replicas));
  }

  /** The calls per second this replica uses now. */
  get callsPerSecond(): number {
    return this.limiter.rate;
  }

  async findPrincipal(email: string): Promise<string | undefined> {
    const cached = this.principals.get(email);
    if (cached && cached.until > this.clock.now()) return cached.principalId;
    const principalId = await this.lookUpPrincipal(email);
    // People rarely change; a user just added to Identity Center is found again within a minute.
    const ttl = principalId ? PRINCIPAL_TTL_MS : MISSING_PRINCIPAL_TTL_MS;
    this.principals.set(email, { principalId, until: this.clock.now() + ttl });
    return principalId;
  }

  private async lookUpPrincipal(email: string): Promise<string | undefined> {
    try {
      const result = await this.call("normal", "Identity Store GetUserId", () =>
        this.identityStore.send(
          new GetUserIdCommand({
            IdentityStoreId: this.settings.identityStoreId,
            AlternateIdentifier: { UniqueAttribute: { AttributePath: "emails.value", AttributeValue: email } },
          }),
        ),
      );
      return result.UserId;
    } catch (error) {
      if (error instanceof ProviderError && error.code === "ResourceNotFoundException") return undefined;
      throw error;
    }
  }

  async assignmentExists(target: AssignmentTarget): Promise<boolean> {
    const assignments = await this.listAssignments(target.accountId, target.permissionSetName);
    return assignments.some((a) => a.principalType === "USER" && a.principalId === target.principalId);
  }

  async listAssignments(accountId: string, permissionSetName: string, priority: Priority = "normal"): Promise<Assignment[]> {
    const assignments: Assignment[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call(priority, "ListAccountAssignments", () =>
        this.ssoAdmin.send(
          new ListAccountAssignmentsCommand({
            InstanceArn: this.settings.instanceArn,
            AccountId: accountId,
            PermissionSetArn: this.permissionSetArn({ permissionSetName }),
            NextToken: nextToken,
          }),
        ),
      );
      for (const assignment of page.AccountAssignments ?? []) {
        if (assignment.PrincipalId && (assignment.PrincipalType === "USER" || assignment.PrincipalType === "GROUP")) {
          assignments.push({ principalType: assignment.PrincipalType, principalId: assignment.PrincipalId });
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return assignments;
  }

  /**
   * Starts a creation once the budget has a slot for it, held until awaitOperation. A creation that
   * is still throttled after its retries (past the quota of outstanding creations AWS answers
   * ThrottlingException, "There are too many requests processing", as it does past the call rate)
   * gives its slot back and is sent again later, however long that takes: it is never a failure.
   */
  async startCreate(target: AssignmentTarget): Promise<string> {
    for (let refusals = 0; ; refusals += 1) {
      const release = await this.creations.acquire();
      try {
        // Ahead of other grants' lookups: the slot it holds is one of the instance's ten.
        const result = await this.call("slotted", "CreateAccountAssignment", () =>
          this.ssoAdmin.send(new CreateAccountAssignmentCommand(this.assignmentInput(target))),
        );
        const requestId = this.requestIdOf(result.AccountAssignmentCreationStatus, "CreateAccountAssignment");
        this.creationPermits.set(requestId, release);
        return requestId;
      } catch (error) {
        release();
        if (!(error instanceof ProviderError && error.code === "ThrottlingException")) throw error;
      }
      const wait = Math.min(QUOTA_BACKOFF_MS.first * 2 ** refusals, QUOTA_BACKOFF_MS.cap);
      await sleep(wait * (0.5 + Math.random() / 2));
    }
  }

  async startDelete(target: AssignmentTarget): Promise<string | "absent"> {
    try {
      const result = await this.call("revoke", "DeleteAccountAssignment", () =>
        this.ssoAdmin.send(new DeleteAccountAssignmentCommand(this.assignmentInput(target))),
      );
      return this.requestIdOf(result.AccountAssignmentDeletionStatus, "DeleteAccountAssignment");
    } catch (error) {
      if (error instanceof ProviderError && error.code === "ResourceNotFoundException") return "absent";
      throw error;
    }
  }

  awaitOperation(kind: AssignmentChange, requestId: string): Promise<OperationOutcome> {
    return this.confirmer.confirm(kind, requestId).finally(() => {
      this.creationPermits.get(requestId)?.();
      this.creationPermits.delete(requestId);
    });
  }

  private async listStatuses(kind: AssignmentChange, nextToken: string | undefined) {
    const input = { InstanceArn: this.settings.instanceArn, MaxResults: STATUS_PAGE_SIZE, NextToken: nextToken };
    if (kind === "create") {
      const page = await this.call("follow-up", "ListAccountAssignmentCreationStatus", () =>
        this.ssoAdmin.send(new ListAccountAssignmentCreationStatusCommand(input)),
      );
      return { statuses: listedStatuses(page.AccountAssignmentsCreationStatus), nextToken: page.NextToken };
    }
    const page = await this.call("follow-up", "ListAccountAssignmentDeletionStatus", () =>
      this.ssoAdmin.send(new ListAccountAssignmentDeletionStatusCommand(input)),
    );
    return { statuses: listedStatuses(page.AccountAssignmentsDeletionStatus), nextToken: page.NextToken };
  }

  private async describe(kind: AssignmentChange, requestId: string) {
    const instanceArn = this.settings.instanceArn;
    const status: AccountAssignmentOperationStatus | undefined =
      kind === "create"
        ? (
            await this.call("follow-up", "DescribeAccountAssignmentCreationStatus", () =>
              this.ssoAdmin.send(
                new DescribeAccountAssignmentCreationStatusCommand({
                  InstanceArn: instanceArn,
                  AccountAssignmentCreationRequestId: requestId,
                }),
              ),
            )
          ).AccountAssignmentCreationStatus
        : (
            await this.call("follow-up", "DescribeAccountAssignmentDeletionStatus", () =>
              this.ssoAdmin.send(
                new DescribeAccountAssignmentDeletionStatusCommand({
                  InstanceArn: instanceArn,
                  AccountAssignmentDeletionRequestId: requestId,
                }),
              ),
            )
          ).AccountAssignmentDeletionStatus;
    return status && { status: status.Status, failureReason: status.FailureReason };
  }

  /**
   * One rate-limited AWS call. The SDK clients make a single attempt each; retries of throttling,
   * conflicts, 5xx and network errors happen here, each through the limiter, so they count
   * against the rate like any other call.
   */
  private async call<T>(priority: Priority, action: string, send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.limiter.run(priority, send);
      } catch (error) {
        const failure = toProviderError(error, action);
        if (!failure.retryable || attempt >= this.settings.retries) throw failure;
        await sleep(Math.min(50 * 2 ** attempt, 2_000) * (0.5 + Math.random() / 2));
      }
    }
  }

  private assignmentInput(target: AssignmentTarget) {
    return {
      InstanceArn: this.settings.instanceArn,
      TargetId: target.accountId,
      TargetType: "AWS_ACCOUNT" as const,
      PermissionSetArn: this.permissionSetArn(target),
      PrincipalType: target.principalType ?? "USER",
      PrincipalId: target.principalId,
    };
  }

  private permissionSetArn(target: Pick<AssignmentTarget, "permissionSetName">): string {
    const arn = this.settings.permissionSetArns.get(target.permissionSetName);
    if (!arn) {
      throw new ProviderError(`Permission set ${target.permissionSetName} is not known in this instance`, "UnknownPermissionSet", false);
    }
    return arn;
  }

  private requestIdOf(status: AccountAssignmentOperationStatus | undefined, action: string): string {
    if (!status?.RequestId) throw new ProviderError(`${action} returned no request id`, "MalformedResponse", true);
    return status.RequestId;
  }
}
