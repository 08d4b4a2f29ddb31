// HTTP server behind the fake AWS (see fake-aws.ts for the public API and the
// per-call pipeline): routes awsJson1_1 requests by X-Amz-Target and STS
// awsQuery requests by the form Action, and applies the test controls.

import { sleep } from "../domain/clock.js";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import type {
  AssignmentRecord,
  AssignmentRef,
  FakeAws,
  FakeAwsCall,
  FakeAwsCallHook,
  FakeAwsFault,
  FakeAwsOptions,
  FakeAwsService,
} from "./fake-aws.js";
import {
  AwsServiceError,
  readBody,
  sendJson,
  sendJsonError,
  sendQueryError,
  sendQueryResult,
  type JsonObject,
} from "./fake-aws-protocol.js";
import { assertAccountId, IdentityCenterState, type AssignmentOperationKind, type JsonHandler } from "./fake-aws-sso.js";
import { identityStoreHandlers } from "./fake-aws-identitystore.js";
import { assignmentStatusListHandlers } from "./fake-aws-sso-status.js";
import { KmsState, type FakeKmsKey } from "./fake-aws-kms.js";
import { OrganizationsState, type FakeOrganizationSettings } from "./fake-aws-organizations.js";
import type { FakeAccountState, FakeOrgAccountInput, FakeOrgGeneration, GeneratedOrganization } from "./fake-aws-org-tree.js";
import { AssumedSessions, STS_VERSION, STS_XMLNS, stsHandlers, type StsHandler } from "./fake-aws-sts.js";
import { CloudTrailState, type FakeTrailEventInput } from "./fake-aws-cloudtrail.js";
import { AwsRealism, type QuotaViolation, type RealismSettings } from "./fake-aws-realism.js";

type JsonService = Exclude<FakeAwsService, "sts">;

const JSON_TARGETS: Readonly<Record<string, JsonService>> = {
  SWBExternalService: "sso-admin",
  AWSIdentityStore: "identitystore",
  TrentService: "kms",
  AWSOrganizationsV20161128: "organizations",
  // The service shape is com.amazonaws.cloudtrail.v20131101#CloudTrail_20131101; awsJson1_1 puts only
  // its name in X-Amz-Target (as @aws-sdk/client-cloudtrail sends it: serviceTarget "CloudTrail_20131101").
  CloudTrail_20131101: "cloudtrail",
};

/** What a service answers when throttled, and for its own internal failures. */
const THROTTLING_CODE: Partial<Record<FakeAwsService, string>> = { organizations: "TooManyRequestsException" };
const INTERNAL_CODE: Partial<Record<FakeAwsService, string>> = { sts: "InternalFailure", organizations: "ServiceException" };

export class FakeAwsServer implements FakeAws {
  readonly calls: FakeAwsCall[] = [];
  private readonly server: Server;
  private readonly state: IdentityCenterState;
  private readonly kms: KmsState;
  private readonly organizations = new OrganizationsState();
  private readonly sessions: AssumedSessions;
  private readonly cloudTrail: CloudTrailState;
  private readonly jsonHandlers: Record<JsonService, Record<string, JsonHandler>>;
  private readonly sts: Record<string, StsHandler>;
  private port = 0;
  private faults = new Map<string, Array<{ fault: FakeAwsFault; remaining: number }>>();
  private hooks: FakeAwsCallHook[] = [];
  private defaultLatency = 0;
  private latencyByOperation = new Map<string, number>();
  private rateLimit: number | null = null;
  private acceptedAt: number[] = [];
  private throttled = 0;

  constructor(options: FakeAwsOptions) {
    const accountId = options.callerAccountId ?? "123456789012";
    this.state = new IdentityCenterState(accountId);
    this.kms = new KmsState(accountId);
    this.sessions = new AssumedSessions(accountId);
    this.cloudTrail = new CloudTrailState(this.sessions);
    this.sts = stsHandlers({ accountId, arn: options.callerArn ?? `arn:aws:iam::${accountId}:user/jit-slack-test` }, this.sessions);
    this.jsonHandlers = {
      "sso-admin": { ...this.state.ssoAdminHandlers(), ...assignmentStatusListHandlers(this.state) },
      identitystore: identityStoreHandlers(this.state),
      kms: this.kms.handlers(),
      organizations: this.organizations.handlers(),
      cloudtrail: this.cloudTrail.handlers(),
    };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get instanceArn(): string {
    return this.state.instanceArn;
  }
  get identityStoreId(): string {
    return this.state.identityStoreId;
  }
  get rootId(): string {
    return this.organizations.rootId;
  }
  get throttledCount(): number {
    return this.throttled;
  }
  get peakOutstandingCreations(): number {
    return this.state.realism?.peakOutstandingCreations ?? 0;
  }
  get quotaViolations(): readonly QuotaViolation[] {
    return this.state.realism?.violations ?? [];
  }

  // ---- state helpers ----------------------------------------------------------

  addUser(u: { email: string; userName?: string; userId?: string }): string {
    return this.state.addUser(u);
  }
  addGroup(displayName: string): string {
    const groupId = randomUUID();
    this.state.groups.set(groupId, { groupId, displayName });
    return groupId;
  }
  addMembership(groupId: string, userId: string): string {
    const membershipId = randomUUID();
    this.state.memberships.set(membershipId, { membershipId, groupId, userId });
    return membershipId;
  }
  removeMembership(groupId: string, userId: string): boolean {
    const found = [...this.state.memberships.values()].find((m) => m.groupId === groupId && m.userId === userId);
    return found ? this.state.memberships.delete(found.membershipId) : false;
  }
  isMember(groupId: string, userId: string): boolean {
    return [...this.state.memberships.values()].some((m) => m.groupId === groupId && m.userId === userId);
  }
  addPermissionSet(name: string, opts?: { sessionDuration?: string | null; description?: string }): string {
    return this.state.addPermissionSet(name, opts);
  }
  addAssignment(a: AssignmentRef): void {
    assertAccountId(a.accountId);
    this.state.putAssignment({ ...a, principalType: a.principalType ?? "USER" });
  }
  removeAssignment(a: AssignmentRef): boolean {
    return this.state.dropAssignment({ ...a, principalType: a.principalType ?? "USER" });
  }
  addKmsKey(usage?: FakeKmsKey["usage"]): FakeKmsKey {
    return this.kms.addKey(usage);
  }
  configureOrganization(patch: Partial<FakeOrganizationSettings>): void {
    this.organizations.configure(patch);
  }
  denyOrganizationsAction(operation: string): void {
    this.organizations.deny(operation);
  }
  addScp(name: string, content: string, targets?: readonly string[]): string {
    return this.organizations.addPolicy(name, content, targets);
  }
  scpContent(name: string): string | undefined {
    return this.organizations.contentOf(name);
  }
  scpTargets(name: string): string[] {
    return this.organizations.targetsOf(name);
  }
  addOrgUnit(name: string, parentId?: string, tags?: Readonly<Record<string, string>>): string {
    return this.organizations.tree.addUnit(name, parentId, tags);
  }
  addOrgAccount(account: FakeOrgAccountInput): string {
    return this.organizations.tree.addAccount(account);
  }
  moveOrgAccount(accountId: string, parentId: string): void {
    this.organizations.tree.moveAccount(accountId, parentId);
  }
  setOrgAccountState(accountId: string, state: FakeAccountState): void {
    this.organizations.tree.setAccountState(accountId, state);
  }
  tagOrgAccount(accountId: string, tags: Readonly<Record<string, string>>): void {
    this.organizations.tree.tagAccount(accountId, tags);
  }
  generateOrganization(spec: FakeOrgGeneration): GeneratedOrganization {
    return this.organizations.tree.generate(spec);
  }
  allowRole(accountId: string, roleName: string): void {
    this.sessions.allow(accountId, roleName);
  }
  addTrailEvent(event: FakeTrailEventInput): string {
    return this.cloudTrail.add(event);
  }
  get trailThrottledCount(): number {
    return this.cloudTrail.throttled;
  }
  hasAssignment(a: AssignmentRef): boolean {
    return this.state.hasAssignment(a);
  }
  assignments(): AssignmentRecord[] {
    return this.state.listAssignments();
  }
  callsOf(operation: string): FakeAwsCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  // ---- fault injection ----------------------------------------------------------

  failNext(operation: string, fault: FakeAwsFault, times = 1): void {
    const queue = this.faults.get(operation) ?? [];
    queue.push({ fault, remaining: times });
    this.faults.set(operation, queue);
  }
  failStatusNext(kind: AssignmentOperationKind, reason: string, times = 1): void {
    this.state.queueStatusFailure(kind, reason, times);
  }
  failCreationsOn(accountId: string, reason: string): void {
    this.state.failCreationsOn(accountId, reason);
  }
  setInProgressPolls(n: number): void {
    this.state.inProgressPolls = Math.max(0, Math.floor(n));
  }
  setLatency(ms: number, operation?: string): void {
    if (operation === undefined) this.defaultLatency = ms;
    else this.latencyByOperation.set(operation, ms);
  }
  setRealistic(settings: RealismSettings | null): void {
    this.state.realism = settings ? new AwsRealism(settings) : undefined;
  }
  setRateLimit(perSecond: number | null): void {
    this.rateLimit = perSecond;
    this.acceptedAt = [];
  }
  onCall(hook: FakeAwsCallHook): () => void {
    this.hooks.push(hook);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hook);
    };
  }

  reset(): void {
    this.state.clear();
    this.kms.clear();
    this.organizations.clear();
    this.sessions.clear();
    this.cloudTrail.clear();
    this.calls.length = 0;
    this.faults.clear();
    this.hooks = [];
    this.defaultLatency = 0;
    this.latencyByOperation.clear();
    this.rateLimit = null;
    this.acceptedAt = [];
    this.throttled = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeAllConnections();
    });
  }

  // ---- HTTP handling --------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const body = await readBody(req);
    const target = req.headers["x-amz-target"];
    if (typeof target === "string") {
      await this.handleJson(req, res, target, body, requestId);
    } else {
      await this.handleQuery(req, res, body, requestId);
    }
  }

  private async handleJson(req: IncomingMessage, res: ServerResponse, target: string, body: string, requestId: string): Promise<void> {
    const [prefix = "", operation = ""] = target.split(".", 2);
    const service = JSON_TARGETS[prefix];
    try {
      if (req.method !== "POST") throw new AwsServiceError("UnknownOperationException", "Only POST is supported.", 404);
      if (!req.headers.authorization) {
        throw new AwsServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", 403);
      }
      if (!service) throw new AwsServiceError("UnknownOperationException", `Unknown target ${target}.`);
      let input: unknown;
      try {
        input = JSON.parse(body === "" ? "{}" : body);
      } catch {
        throw new AwsServiceError("SerializationException", "Request body is not valid JSON.");
      }
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        throw new AwsServiceError("SerializationException", "Request body must be a JSON object.");
      }
      const json = input as JsonObject;
      const output = await this.dispatch(service, operation, json, accessKeyOf(req), internalCodeOf(service), () => {
        const handler = this.jsonHandlers[service][operation];
        if (!handler) throw new AwsServiceError("UnknownOperationException", `Unknown operation ${operation}.`);
        return handler(json, { accessKeyId: accessKeyOf(req), region: regionOf(req) });
      });
      sendJson(res, output, requestId);
    } catch (err) {
      sendJsonError(res, this.toServiceError(err, service ? internalCodeOf(service) : "InternalServerException"), requestId);
    }
  }

  private async handleQuery(req: IncomingMessage, res: ServerResponse, body: string, requestId: string): Promise<void> {
    try {
      if (req.method !== "POST") throw new AwsServiceError("InvalidAction", "Only POST is supported.", 404);
      if (!req.headers.authorization) {
        throw new AwsServiceError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
      }
      const form = new URLSearchParams(body);
      const action = form.get("Action");
      if (!action) throw new AwsServiceError("MissingAction", "Missing Action parameter.");
      if (form.get("Version") !== STS_VERSION) {
        throw new AwsServiceError("InvalidParameterValue", `Unsupported Version ${form.get("Version") ?? "null"}.`);
      }
      form.delete("Action");
      form.delete("Version");
      const params = Object.fromEntries(form);
      const result = await this.dispatch("sts", action, params, accessKeyOf(req), "InternalFailure", () => {
        const handler = this.sts[action];
        if (!handler) throw new AwsServiceError("InvalidAction", `Could not find operation ${action} for version ${STS_VERSION}.`);
        return handler(params);
      });
      sendQueryResult(res, action, STS_XMLNS, result, requestId);
    } catch (err) {
      sendQueryError(res, this.toServiceError(err, "InternalFailure"), STS_XMLNS, requestId);
    }
  }

  /** The shared per-call pipeline (see header comment). Throws AwsServiceError. */
  private async dispatch<T>(
    service: FakeAwsService,
    operation: string,
    input: JsonObject,
    accessKeyId: string,
    internalCode: string,
    run: () => T,
  ): Promise<T> {
    const call: FakeAwsCall = { service, operation, input, accessKeyId, at: Date.now() };
    this.calls.push(call);
    try {
      if (this.isRateLimited(call.at) || this.state.realism?.throttles(service, call.at)) {
        this.throttled += 1;
        throw new AwsServiceError(THROTTLING_CODE[service] ?? "ThrottlingException", "Rate exceeded", 400);
      }
      for (const hook of [...this.hooks]) await hook(call);
      const latency = this.latencyByOperation.get(operation) ?? this.defaultLatency;
      if (latency > 0) await sleep(latency);
      const fault = this.takeFault(operation) ?? this.takeFault("*");
      if (fault) throw new AwsServiceError(fault.code, fault.message ?? `Injected ${fault.code}`, fault.status);
      return run();
    } catch (err) {
      const serviceError = this.toServiceError(err, internalCode);
      call.error = serviceError.code;
      throw serviceError;
    }
  }

  private isRateLimited(now: number): boolean {
    if (this.rateLimit === null) return false;
    this.acceptedAt = this.acceptedAt.filter((t) => now - t < 1000);
    if (this.acceptedAt.length >= this.rateLimit) return true;
    this.acceptedAt.push(now);
    return false;
  }

  private takeFault(operation: string): FakeAwsFault | undefined {
    const queue = this.faults.get(operation);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  }

  private toServiceError(err: unknown, internalCode: string): AwsServiceError {
    if (err instanceof AwsServiceError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new AwsServiceError(internalCode, message, 500);
  }
}

function internalCodeOf(service: FakeAwsService): string {
  return INTERNAL_CODE[service] ?? "InternalServerException";
}

/** The region a SigV4 Authorization header's credential scope names. */
function regionOf(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? "";
}

/** The access key id from a SigV4 Authorization header ("… Credential=AKID/date/region/service/aws4_request, …"). */
function accessKeyOf(req: IncomingMessage): string {
  return /Credential=([^/]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? "";
}
