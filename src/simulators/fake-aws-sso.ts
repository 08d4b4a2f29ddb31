// In-memory IAM Identity Center model for the fake AWS server: one instance,
// its identity store users, permission sets, account assignments and the
// asynchronous assignment create/delete operations, plus the SSO Admin
// (SWBExternalService) handlers. Identity Store handlers live in
// fake-aws-identitystore.ts.
//
// Assignment operations: Create/Delete validate synchronously (unknown
// instance / permission set -> ResourceNotFoundException; Delete of a missing
// assignment -> ResourceNotFoundException; Create of an existing one is
// accepted and stays single). The change is applied only when the operation
// reaches SUCCEEDED. `inProgressPolls` = how many IN_PROGRESS statuses a client
// sees, counting the Create/Delete response itself: 0 -> the response is
// already terminal; 1 (default) -> response IN_PROGRESS, first Describe*Status
// terminal; n -> n-1 Describe calls still IN_PROGRESS. An unknown principal or
// a queued status failure ends the operation FAILED with FailureReason and no
// state change. In realistic mode (fake-aws-realism.ts) an operation is IN_PROGRESS until its
// drawn time has passed by the wall clock instead, however often it is polled.

import { randomBytes, randomUUID } from "node:crypto";
import {
  AwsServiceError,
  optionalObject,
  optionalString,
  paginate,
  requireString,
  validationError,
  type JsonObject,
} from "./fake-aws-protocol.js";
import type { AwsRealism } from "./fake-aws-realism.js";

export type PrincipalType = "USER" | "GROUP";
export type AssignmentOperationKind = "creation" | "deletion";
export type AssignmentStatus = "IN_PROGRESS" | "SUCCEEDED" | "FAILED";

export interface Assignment {
  accountId: string;
  permissionSetArn: string;
  principalId: string;
  principalType: PrincipalType;
}

export interface FakeUser {
  userId: string;
  email: string;
  userName: string;
}

export interface FakePermissionSet {
  arn: string;
  name: string;
  description: string | undefined;
  /** ISO 8601; undefined: DescribePermissionSet leaves SessionDuration out. */
  sessionDuration: string | undefined;
  createdDate: number;
}

export interface AssignmentOperation {
  kind: AssignmentOperationKind;
  requestId: string;
  assignment: Assignment;
  createdDate: number;
  status: AssignmentStatus;
  pollsLeft: number;
  /** Realistic mode: when the operation ends (epoch ms). */
  dueAt: number | undefined;
  failureReason: string | undefined;
}

/** Who signed the call: the access key and the region of its credential scope. */
export interface CallContext {
  readonly accessKeyId: string;
  readonly region: string;
}

export type JsonHandler = (input: JsonObject, context?: CallContext) => JsonObject;

const hex = (bytes: number): string => randomBytes(bytes).toString("hex");
const epochSeconds = (): number => Date.now() / 1000;
const assignmentKey = (a: Assignment): string => [a.accountId, a.permissionSetArn, a.principalType, a.principalId].join("|");

export function assertAccountId(accountId: string): void {
  if (!/^\d{12}$/.test(accountId)) throw validationError("TargetId", accountId, "Member must satisfy regular expression pattern: \\d{12}");
}

export function notFound(message: string, extra: JsonObject = {}): AwsServiceError {
  return new AwsServiceError("ResourceNotFoundException", message, 400, extra);
}

export class IdentityCenterState {
  readonly instanceId = `ssoins-${hex(8)}`;
  readonly instanceArn = `arn:aws:sso:::instance/${this.instanceId}`;
  readonly identityStoreId = `d-${hex(5)}`;
  readonly instanceCreatedDate = epochSeconds();
  readonly users = new Map<string, FakeUser>();
  readonly permissionSets = new Map<string, FakePermissionSet>();
  /** Identity Store groups by GroupId (see fake-aws-identitystore.ts). */
  readonly groups = new Map<string, { groupId: string; displayName: string }>();
  /** Group memberships by MembershipId. */
  readonly memberships = new Map<string, { membershipId: string; groupId: string; userId: string }>();
  inProgressPolls = 1;
  realism: AwsRealism | undefined;
  private readonly assignmentMap = new Map<string, Assignment>();
  readonly operations = new Map<string, AssignmentOperation>();
  private readonly creationFailuresByAccount = new Map<string, string>();
  private readonly statusFailures: Record<AssignmentOperationKind, Array<{ reason: string; remaining: number }>> = {
    creation: [],
    deletion: [],
  };

  constructor(readonly ownerAccountId: string) {}

  clear(): void {
    this.users.clear();
    this.groups.clear();
    this.memberships.clear();
    this.permissionSets.clear();
    this.assignmentMap.clear();
    this.operations.clear();
    this.statusFailures.creation.length = 0;
    this.statusFailures.deletion.length = 0;
    this.creationFailuresByAccount.clear();
    this.inProgressPolls = 1;
    this.realism = undefined;
  }

  /**
   * Every creation on the account ends FAILED with `reason`, as when a permission set cannot be
   * provisioned there (an SCP denying it, or a policy the account does not support).
   */
  failCreationsOn(accountId: string, reason: string): void {
    this.creationFailuresByAccount.set(accountId, reason);
  }

  addUser(u: { email: string; userName?: string; userId?: string }): string {
    const userId = u.userId ?? `${hex(5)}-${randomUUID()}`;
    this.users.set(userId, { userId, email: u.email, userName: u.userName ?? u.email });
    return userId;
  }

  addPermissionSet(name: string, opts: { sessionDuration?: string | null; description?: string } = {}): string {
    const arn = `arn:aws:sso:::permissionSet/${this.instanceId}/ps-${hex(8)}`;
    this.permissionSets.set(arn, {
      arn,
      name,
      description: opts.description,
      sessionDuration: opts.sessionDuration === null ? undefined : (opts.sessionDuration ?? "PT1H"),
      createdDate: epochSeconds(),
    });
    return arn;
  }

  putAssignment(a: Assignment): void {
    this.assignmentMap.set(assignmentKey(a), { ...a });
  }

  dropAssignment(a: Assignment): boolean {
    return this.assignmentMap.delete(assignmentKey(a));
  }

  hasAssignment(a: Omit<Assignment, "principalType"> & { principalType?: PrincipalType }): boolean {
    return this.listAssignments().some(
      (x) =>
        x.accountId === a.accountId &&
        x.permissionSetArn === a.permissionSetArn &&
        x.principalId === a.principalId &&
        (a.principalType === undefined || x.principalType === a.principalType),
    );
  }

  listAssignments(): Assignment[] {
    this.settleDue();
    return [...this.assignmentMap.values()].map((a) => ({ ...a }));
  }

  queueStatusFailure(kind: AssignmentOperationKind, reason: string, times: number): void {
    this.statusFailures[kind].push({ reason, remaining: times });
  }

  // ---- assignment operations ------------------------------------------------

  private startOperation(kind: AssignmentOperationKind, assignment: Assignment, failureReason: string | undefined): AssignmentOperation {
    const now = Date.now();
    if (this.realism && kind === "creation") this.realism.admitCreation(this.outstandingCreations(), now);
    const op: AssignmentOperation = {
      kind,
      requestId: randomUUID(),
      assignment,
      createdDate: epochSeconds(),
      status: "IN_PROGRESS",
      pollsLeft: this.inProgressPolls,
      dueAt: this.realism?.dueAt(now),
      failureReason:
        failureReason ??
        (kind === "creation" ? this.creationFailuresByAccount.get(assignment.accountId) : undefined) ??
        this.takeStatusFailure(kind),
    };
    this.operations.set(op.requestId, op);
    if (op.dueAt === undefined && op.pollsLeft <= 0) this.finish(op);
    return op;
  }

  /** Creations IN_PROGRESS now (those whose time has come are finished first). */
  outstandingCreations(): number {
    this.settleDue();
    let outstanding = 0;
    for (const op of this.operations.values()) if (op.kind === "creation" && op.status === "IN_PROGRESS") outstanding += 1;
    return outstanding;
  }

  /** Realistic mode: ends every operation whose time has come. */
  settleDue(): void {
    const now = Date.now();
    for (const op of this.operations.values()) {
      if (op.status === "IN_PROGRESS" && op.dueAt !== undefined && op.dueAt <= now) this.finish(op);
    }
  }

  pollOperation(kind: AssignmentOperationKind, requestId: string): AssignmentOperation {
    const op = this.operations.get(requestId);
    if (!op || op.kind !== kind) throw notFound(`The account assignment ${kind} request ${requestId} does not exist.`);
    if (op.status === "IN_PROGRESS" && op.dueAt !== undefined) {
      if (op.dueAt <= Date.now()) this.finish(op);
    } else if (op.status === "IN_PROGRESS") {
      op.pollsLeft -= 1;
      if (op.pollsLeft <= 0) this.finish(op);
    }
    return op;
  }

  private takeStatusFailure(kind: AssignmentOperationKind): string | undefined {
    const queue = this.statusFailures[kind];
    const head = queue[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.reason;
  }

  private finish(op: AssignmentOperation): void {
    if (op.failureReason !== undefined) {
      op.status = "FAILED";
      return;
    }
    if (op.kind === "creation") this.putAssignment(op.assignment);
    else this.assignmentMap.delete(assignmentKey(op.assignment));
    op.status = "SUCCEEDED";
  }

  private statusJson(op: AssignmentOperation): JsonObject {
    return {
      Status: op.status,
      RequestId: op.requestId,
      ...(op.status === "FAILED" ? { FailureReason: op.failureReason } : {}),
      TargetId: op.assignment.accountId,
      TargetType: "AWS_ACCOUNT",
      PermissionSetArn: op.assignment.permissionSetArn,
      PrincipalType: op.assignment.principalType,
      PrincipalId: op.assignment.principalId,
      CreatedDate: op.createdDate,
    };
  }

  // ---- request validation helpers -------------------------------------------

  private requireInstance(input: JsonObject): void {
    const arn = requireString(input, "InstanceArn");
    if (arn !== this.instanceArn) throw notFound(`Instance ${arn} does not exist.`);
  }

  private requirePermissionSet(input: JsonObject): FakePermissionSet {
    const arn = requireString(input, "PermissionSetArn");
    const ps = this.permissionSets.get(arn);
    if (!ps) throw notFound(`Could not find PermissionSet with ARN ${arn}.`);
    return ps;
  }

  private assignmentInput(input: JsonObject): Assignment {
    this.requireInstance(input);
    const accountId = requireString(input, "TargetId");
    assertAccountId(accountId);
    const targetType = requireString(input, "TargetType");
    if (targetType !== "AWS_ACCOUNT") throw validationError("TargetType", targetType, "Member must satisfy enum value set: [AWS_ACCOUNT]");
    const principalType = requireString(input, "PrincipalType");
    if (principalType !== "USER" && principalType !== "GROUP") {
      throw validationError("PrincipalType", principalType, "Member must satisfy enum value set: [USER, GROUP]");
    }
    const permissionSetArn = this.requirePermissionSet(input).arn;
    return { accountId, permissionSetArn, principalType, principalId: requireString(input, "PrincipalId") };
  }

  private principalExists(type: PrincipalType, id: string): boolean {
    return type === "USER" && this.users.has(id);
  }

  // ---- SSO Admin operations ---------------------------------------------------

  ssoAdminHandlers(): Record<string, JsonHandler> {
    return {
      ListInstances: (input) => {
        const { page, nextToken } = paginate([this.instanceMetadata()], input, "ListInstances");
        return { Instances: page, NextToken: nextToken };
      },
      ListPermissionSets: (input) => {
        this.requireInstance(input);
        const { page, nextToken } = paginate([...this.permissionSets.keys()], input, "ListPermissionSets");
        return { PermissionSets: page, NextToken: nextToken };
      },
      DescribePermissionSet: (input) => {
        this.requireInstance(input);
        const ps = this.requirePermissionSet(input);
        return {
          PermissionSet: {
            Name: ps.name,
            PermissionSetArn: ps.arn,
            Description: ps.description,
            CreatedDate: ps.createdDate,
            SessionDuration: ps.sessionDuration,
          },
        };
      },
      CreateAccountAssignment: (input) => {
        const a = this.assignmentInput(input);
        const failure = this.principalExists(a.principalType, a.principalId)
          ? undefined
          : `The ${a.principalType === "USER" ? "user" : "group"} ${a.principalId} does not exist in identity store ${this.identityStoreId}.`;
        return { AccountAssignmentCreationStatus: this.statusJson(this.startOperation("creation", a, failure)) };
      },
      DeleteAccountAssignment: (input) => {
        const a = this.assignmentInput(input);
        if (!this.assignmentMap.has(assignmentKey(a))) {
          throw notFound(
            `Could not find account assignment for ${a.principalType} ${a.principalId} with permission set ${a.permissionSetArn} in account ${a.accountId}.`,
          );
        }
        return { AccountAssignmentDeletionStatus: this.statusJson(this.startOperation("deletion", a, undefined)) };
      },
      DescribeAccountAssignmentCreationStatus: (input) => {
        this.requireInstance(input);
        const op = this.pollOperation("creation", requireString(input, "AccountAssignmentCreationRequestId"));
        return { AccountAssignmentCreationStatus: this.statusJson(op) };
      },
      DescribeAccountAssignmentDeletionStatus: (input) => {
        this.requireInstance(input);
        const op = this.pollOperation("deletion", requireString(input, "AccountAssignmentDeletionRequestId"));
        return { AccountAssignmentDeletionStatus: this.statusJson(op) };
      },
      ListAccountAssignments: (input) => {
        this.requireInstance(input);
        const accountId = requireString(input, "AccountId");
        const psArn = this.requirePermissionSet(input).arn;
        const matching = this.listAssignments().filter((a) => a.accountId === accountId && a.permissionSetArn === psArn);
        const { page, nextToken } = paginate(matching, input, `ListAccountAssignments|${accountId}|${psArn}`);
        return {
          AccountAssignments: page.map((a) => ({
            AccountId: a.accountId,
            PermissionSetArn: a.permissionSetArn,
            PrincipalType: a.principalType,
            PrincipalId: a.principalId,
          })),
          NextToken: nextToken,
        };
      },
      ListAccountAssignmentsForPrincipal: (input) => {
        this.requireInstance(input);
        const principalId = requireString(input, "PrincipalId");
        const principalType = requireString(input, "PrincipalType");
        const accountFilter = optionalString(optionalObject(input, "Filter"), "AccountId");
        const matching = this.listAssignments().filter(
          (a) =>
            a.principalId === principalId &&
            a.principalType === principalType &&
            (accountFilter === undefined || a.accountId === accountFilter),
        );
        const scope = `ListAccountAssignmentsForPrincipal|${principalType}|${principalId}|${accountFilter ?? ""}`;
        const { page, nextToken } = paginate(matching, input, scope);
        return {
          AccountAssignments: page.map((a) => ({
            AccountId: a.accountId,
            PermissionSetArn: a.permissionSetArn,
            PrincipalId: a.principalId,
            PrincipalType: a.principalType,
          })),
          NextToken: nextToken,
        };
      },
    };
  }

  private instanceMetadata(): JsonObject {
    return {
      InstanceArn: this.instanceArn,
      IdentityStoreId: this.identityStoreId,
      OwnerAccountId: this.ownerAccountId,
      Name: "jit-slack-fake",
      CreatedDate: this.instanceCreatedDate,
      Status: "ACTIVE",
    };
  }
}
