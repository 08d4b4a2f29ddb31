// Fake AWS for tests: one HTTP server on 127.0.0.1 speaking the real wire
// protocols, so the real SDK v3 clients work against it via `endpoint` (or
// env AWS_ENDPOINT_URL):
//   - SSO Admin      awsJson1_1, POST /, X-Amz-Target: SWBExternalService.<Op>
//   - Identity Store awsJson1_1, POST /, X-Amz-Target: AWSIdentityStore.<Op>
//   - STS            awsQuery,   POST /, form body Action=<Op>&Version=2011-06-15, XML reply
//   - KMS            awsJson1_1, POST /, X-Amz-Target: TrentService.<Op> (GetPublicKey, Sign)
//   - CloudTrail     awsJson1_1, POST /, X-Amz-Target: CloudTrail_20131101.LookupEvents
//                    (each account's event history, for sessions assumed into it: fake-aws-cloudtrail.ts)
//   - Organizations  awsJson1_1, POST /, X-Amz-Target: AWSOrganizationsV20161128.<Op> (the
//                    organization, its root and service control policies; fake-aws-organizations.ts;
//                    its OUs and accounts with tags and states: fake-aws-org-tree.ts)
// SigV4 signatures are not verified, but an Authorization header is required
// (otherwise 403 MissingAuthenticationToken[Exception], and the call is not
// recorded).
//
// Per-call pipeline: record in `calls` -> rate limit (ThrottlingException, for
// Organizations TooManyRequestsException; HTTP 400, counted in throttledCount; hooks are skipped) -> onCall hooks ->
// latency -> failNext fault -> operation. Unknown operations are recorded and
// answered with UnknownOperationException (JSON) / InvalidAction (STS).
// Assignment semantics are documented in fake-aws-sso.ts.
import type { AssignmentOperationKind, PrincipalType } from "./fake-aws-sso.js";
import type { FakeKmsKey } from "./fake-aws-kms.js";
import type { FakeOrganizationSettings } from "./fake-aws-organizations.js";
import type { FakeAccountState, FakeOrgAccountInput, FakeOrgGeneration, GeneratedOrganization } from "./fake-aws-org-tree.js";
import type { FakeTrailEventInput } from "./fake-aws-cloudtrail.js";
import { FakeAwsServer } from "./fake-aws-server.js";
import type { QuotaViolation, RealismSettings } from "./fake-aws-realism.js";

export type { QuotaViolation, RealismSettings } from "./fake-aws-realism.js";

export type { FakeTrailEventInput } from "./fake-aws-cloudtrail.js";

export { AwsServiceError } from "./fake-aws-protocol.js";
export type { AssignmentOperationKind, AssignmentStatus, PrincipalType } from "./fake-aws-sso.js";
export type { FakeOrganizationSettings, FeatureSet } from "./fake-aws-organizations.js";
export type { FakeAccountState, FakeOrgAccountInput, FakeOrgGeneration, GeneratedOrganization } from "./fake-aws-org-tree.js";
export { DEFAULT_MANAGEMENT_ACCOUNT, SCP_CONTENT_LIMIT, SCPS_PER_TARGET } from "./fake-aws-organizations.js";

export type FakeAwsService = "sso-admin" | "identitystore" | "sts" | "kms" | "organizations" | "cloudtrail";

export interface FakeAwsCall {
  service: FakeAwsService;
  operation: string;
  /** Parsed JSON body (awsJson) or form fields without Action/Version (STS). */
  input: Record<string, unknown>;
  /** The access key id the request was signed with. */
  accessKeyId: string;
  at: number;
  /** Error code the call was answered with, set once it has failed. */
  error?: string;
}

export interface FakeAwsFault {
  code: string;
  message?: string;
  /** Defaults to 500 for InternalServerException/InternalFailure, 503 for ServiceUnavailable*, else 400. */
  status?: number;
}

export interface AssignmentRef {
  accountId: string;
  permissionSetArn: string;
  principalId: string;
  /** Defaults to 'USER' when adding; matches any type when omitted in hasAssignment. */
  principalType?: PrincipalType;
}

export interface AssignmentRecord {
  accountId: string;
  permissionSetArn: string;
  principalId: string;
  principalType: PrincipalType;
}

export type FakeAwsCallHook = (call: FakeAwsCall) => void | Promise<void>;

export interface FakeAws {
  readonly url: string;
  readonly instanceArn: string;
  readonly identityStoreId: string;
  addUser(u: { email: string; userName?: string; userId?: string }): string;
  /** An Identity Store group; returns its GroupId. */
  addGroup(displayName: string): string;
  /** Makes the user a member of the group (as someone would in the console); returns the MembershipId. */
  addMembership(groupId: string, userId: string): string;
  isMember(groupId: string, userId: string): boolean;
  /** Removes the membership as someone would in the console, bypassing the API log. */
  removeMembership(groupId: string, userId: string): boolean;
  /** sessionDuration is ISO 8601 (default PT1H); null leaves it out of DescribePermissionSet. */
  addPermissionSet(name: string, opts?: { sessionDuration?: string | null; description?: string }): string;
  addAssignment(a: AssignmentRef): void;
  /** Removes an assignment the way someone would in the AWS console, bypassing the API log. */
  removeAssignment(a: AssignmentRef): boolean;
  hasAssignment(a: AssignmentRef): boolean;
  /** An Ed25519 KMS key (ECC_NIST_EDWARDS25519) for signing, or one whose usage is encryption. */
  addKmsKey(usage?: FakeKmsKey["usage"]): FakeKmsKey;
  assignments(): AssignmentRecord[];
  /** The organization's one root (r-…), where FullAWSAccess is attached from the start. */
  readonly rootId: string;
  /** Changes the organization: absent, consolidated billing only, SCPs disabled, another management account, its accounts. */
  configureOrganization(patch: Partial<FakeOrganizationSettings>): void;
  /** From now on, Organizations `operation` answers AccessDeniedException. */
  denyOrganizationsAction(operation: string): void;
  /** An SCP someone else made, attached to `targets` (the root id or account ids); returns its id. */
  addScp(name: string, content: string, targets?: readonly string[]): string;
  /** The content of the SCP named `name`, or undefined when there is none. */
  scpContent(name: string): string | undefined;
  /** Where the SCP named `name` is attached: the root id and account ids. */
  scpTargets(name: string): string[];
  /** An OU under the root or another OU; returns its id (ou-…). */
  addOrgUnit(name: string, parentId?: string, tags?: Readonly<Record<string, string>>): string;
  /** An account in the organization (in the root unless `parentId`), ACTIVE unless `state`; returns its id. */
  addOrgAccount(account: FakeOrgAccountInput): string;
  /** Moves an account to another OU or the root, as MoveAccount would. */
  moveOrgAccount(accountId: string, parentId: string): void;
  setOrgAccountState(accountId: string, state: FakeAccountState): void;
  /** Adds or replaces tags on an account. */
  tagOrgAccount(accountId: string, tags: Readonly<Record<string, string>>): void;
  /** A large organization at once: nested OUs (`fanout` per level) and `accounts` accounts with tags and a few closed. */
  generateOrganization(spec: FakeOrgGeneration): GeneratedOrganization;
  /** Lets STS AssumeRole into `roleName` in another account (other roles there answer AccessDenied). */
  allowRole(accountId: string, roleName: string): void;
  /** A management event in an account's CloudTrail event history; returns its event id. */
  addTrailEvent(event: FakeTrailEventInput): string;
  /** LookupEvents calls refused for going past two per second per account and region. */
  readonly trailThrottledCount: number;
  readonly calls: FakeAwsCall[];
  callsOf(operation: string): FakeAwsCall[];
  /** Next `times` calls of `operation` ('*' = any operation) fail with `fault`. */
  failNext(operation: string, fault: FakeAwsFault, times?: number): void;
  /** Next `times` accepted Create/Delete operations end FAILED with `reason`; no state change. */
  failStatusNext(kind: AssignmentOperationKind, reason: string, times?: number): void;
  /** Every Create on the account ends FAILED with `reason` (a permission set that cannot be provisioned there). */
  failCreationsOn(accountId: string, reason: string): void;
  /** IN_PROGRESS statuses seen per Create/Delete, counting its own response (default 1). */
  setInProgressPolls(n: number): void;
  /** Delay before answering; per operation when given, else the default for all. */
  setLatency(ms: number, operation?: string): void;
  /** Max accepted calls per sliding second, across all services; null = unlimited. */
  setRateLimit(perSecond: number | null): void;
  readonly throttledCount: number;
  /**
   * Realistic mode (fake-aws-realism.ts): assignment operations take a seeded random time, Identity
   * Center's APIs share one calls/s throttle, and creations past the quota outstanding are refused;
   * null goes back to instant. reset() turns it off.
   */
  setRealistic(settings: RealismSettings | null): void;
  /** Realistic mode: the most assignment creations IN_PROGRESS at once. */
  readonly peakOutstandingCreations: number;
  /** Realistic mode: the creations refused for the quota of outstanding ones. */
  readonly quotaViolations: readonly QuotaViolation[];
  /** Runs before the operation is applied; await in it to pause the call. Returns an unsubscribe function. */
  onCall(hook: FakeAwsCallHook): () => void;
  /** Clears state, calls, faults, latency, rate limit and hooks; keeps url and instance ids. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeAwsOptions {
  /** Account returned by GetCallerIdentity (default 123456789012). */
  callerAccountId?: string;
  /** ARN returned by GetCallerIdentity (default arn:aws:iam::<account>:user/jit-slack-test). */
  callerArn?: string;
}

export interface AwsClientEnv {
  AWS_ENDPOINT_URL: string;
  AWS_REGION: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_EC2_METADATA_DISABLED: string;
}

/** The config that points an in-process SDK client at the fake, one attempt per call. */
export function sdkClientConfig(fake: Pick<FakeAws, "url">) {
  return { endpoint: fake.url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
}

/** Env vars that point a child process's SDK clients at the fake. */
export function awsClientEnv(fake: Pick<FakeAws, "url">): AwsClientEnv {
  return {
    AWS_ENDPOINT_URL: fake.url,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const fake = new FakeAwsServer(options);
  await fake.listen();
  return fake;
}
