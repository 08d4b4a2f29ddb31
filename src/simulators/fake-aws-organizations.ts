// AWS Organizations (AWSOrganizationsV20161128, awsJson1_1) for the fake AWS server: one organization
// with one root, its OUs and accounts (fake-aws-org-tree.ts), and service control policies with their
// attachments. The
// AWS-managed FullAWSAccess (p-FullAWSAccess) is attached to the root and to every account, as in a
// new organization. Errors and limits are AWS's (Organizations API reference; "Quotas for AWS
// Organizations": an SCP document holds at most 5,120 characters, and a root, OU or account at most 5
// SCPs). Error bodies carry `Message` and, for ConstraintViolationException and
// InvalidInputException, a `Reason`.
import { randomBytes } from "node:crypto";
import { AwsServiceError, optionalString, type JsonObject } from "./fake-aws-protocol.js";
import { constraint, invalidInput, orgPage, required } from "./fake-aws-org-wire.js";
import { OrgTree } from "./fake-aws-org-tree.js";
import { checkContent } from "./fake-aws-scp-document.js";

export { SCP_CONTENT_LIMIT } from "./fake-aws-scp-document.js";
import type { JsonHandler } from "./fake-aws-sso.js";

export type FeatureSet = "ALL" | "CONSOLIDATED_BILLING";

export interface FakeOrganizationSettings {
  /** False: every call answers AWSOrganizationsNotInUseException. */
  inUse: boolean;
  featureSet: FeatureSet;
  /** Whether the SERVICE_CONTROL_POLICY type is enabled on the root (only possible with ALL). */
  scpEnabled: boolean;
  managementAccountId: string;
  /** The member accounts; null: any 12-digit id is one. */
  accounts: readonly string[] | null;
}

export const DEFAULT_MANAGEMENT_ACCOUNT = "555566667777";
export const SCPS_PER_TARGET = 5;
const SCP = "SERVICE_CONTROL_POLICY";
const FULL_AWS_ACCESS = "p-FullAWSAccess";
const FULL_AWS_ACCESS_CONTENT = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });

interface FakePolicy {
  id: string;
  name: string;
  description: string;
  content: string;
  awsManaged: boolean;
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

function defaults(): FakeOrganizationSettings {
  return { inUse: true, featureSet: "ALL", scpEnabled: true, managementAccountId: DEFAULT_MANAGEMENT_ACCOUNT, accounts: null };
}

export class OrganizationsState {
  readonly organizationId = `o-${hex(5)}`;
  readonly rootId = `r-${hex(2)}`;
  private settings = defaults();
  private readonly policies = new Map<string, FakePolicy>();
  /** Target id → attached policy ids; an account missing here has only FullAWSAccess. */
  private readonly attachments = new Map<string, Set<string>>();
  private readonly denied = new Set<string>();
  /** The root's OUs and accounts (fake-aws-org-tree.ts). */
  readonly tree = new OrgTree(this.organizationId, this.rootId, () => this.settings.managementAccountId);

  constructor() {
    this.clear();
  }

  clear(): void {
    this.settings = defaults();
    this.policies.clear();
    this.attachments.clear();
    this.denied.clear();
    this.tree.clear();
    this.policies.set(FULL_AWS_ACCESS, {
      id: FULL_AWS_ACCESS,
      name: "FullAWSAccess",
      description: "Allows access to every operation",
      content: FULL_AWS_ACCESS_CONTENT,
      awsManaged: true,
    });
  }

  configure(patch: Partial<FakeOrganizationSettings>): void {
    const previous = this.management;
    this.settings = { ...this.settings, ...patch };
    if (this.management !== previous) this.tree.replaceManagement(previous);
  }

  /** The next calls of `operation` answer AccessDeniedException, as for a role without that permission. */
  deny(operation: string): void {
    this.denied.add(operation);
  }

  /** A policy made outside the bot (by name), attached to `targets`; returns its id. */
  addPolicy(name: string, content: string, targets: readonly string[] = []): string {
    const policy = this.create(name, "Made by someone else", content);
    for (const target of targets) this.attach(policy.id, target);
    return policy.id;
  }

  contentOf(name: string): string | undefined {
    return this.byName(name)?.content;
  }

  targetsOf(name: string): string[] {
    const policy = this.byName(name);
    return policy ? this.targetIds().filter((target) => this.attachedTo(target).has(policy.id)) : [];
  }

  handlers(): Record<string, JsonHandler> {
    const handlers: Record<string, JsonHandler> = {
      ...this.tree.handlers(),
      DescribeOrganization: () => ({
        Organization: {
          Id: this.organizationId,
          Arn: `arn:aws:organizations::${this.management}:organization/${this.organizationId}`,
          FeatureSet: this.settings.featureSet,
          MasterAccountArn: `arn:aws:organizations::${this.management}:account/${this.organizationId}/${this.management}`,
          MasterAccountId: this.management,
          MasterAccountEmail: "management@example.com",
          AvailablePolicyTypes: this.policyTypes(),
        },
      }),
      ListRoots: (input) => {
        const { page, nextToken } = orgPage([this.root()], input, "ListRoots");
        return { Roots: page, NextToken: nextToken };
      },
      ListPolicies: (input) => {
        this.requireScpFilter(input);
        const { page, nextToken } = orgPage([...this.policies.values()], input, "ListPolicies");
        return { Policies: page.map((p) => this.summary(p)), NextToken: nextToken };
      },
      DescribePolicy: (input) => ({ Policy: this.described(this.policy(input)) }),
      CreatePolicy: (input) => {
        if (input.Type !== SCP) throw invalidInput("INVALID_ENUM_POLICY_TYPE", "You specified an invalid policy type string.");
        if (this.settings.featureSet !== "ALL") {
          throw new AwsServiceError(
            "PolicyTypeNotAvailableForOrganizationException",
            "You can't use the specified policy type with the feature set currently enabled for this organization.",
          );
        }
        const policy = this.create(required(input, "Name"), required(input, "Description"), required(input, "Content"));
        return { Policy: this.described(policy) };
      },
      UpdatePolicy: (input) => {
        const policy = this.policy(input);
        if (policy.awsManaged)
          throw invalidInput("IMMUTABLE_POLICY", "You specified a policy that is managed by AWS and can't be modified.");
        const name = optionalString(input, "Name");
        if (name !== undefined && name !== policy.name) this.checkNewName(name);
        const content = optionalString(input, "Content");
        if (content !== undefined) checkContent(content);
        policy.name = name ?? policy.name;
        policy.description = optionalString(input, "Description") ?? policy.description;
        policy.content = content ?? policy.content;
        return { Policy: this.described(policy) };
      },
      DeletePolicy: (input) => {
        const policy = this.policy(input);
        if (policy.awsManaged)
          throw invalidInput("IMMUTABLE_POLICY", "You specified a policy that is managed by AWS and can't be modified.");
        if (this.targetIds().some((target) => this.attachedTo(target).has(policy.id))) {
          throw new AwsServiceError(
            "PolicyInUseException",
            "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.",
          );
        }
        this.policies.delete(policy.id);
        return {};
      },
      AttachPolicy: (input) => {
        this.attach(this.policy(input).id, required(input, "TargetId"));
        return {};
      },
      DetachPolicy: (input) => {
        const policy = this.policy(input);
        const attached = this.attachedTo(this.target(required(input, "TargetId")));
        if (!attached.has(policy.id))
          throw new AwsServiceError(
            "PolicyNotAttachedException",
            "The policy isn't attached to the specified target in the specified root.",
          );
        if (attached.size === 1) {
          throw constraint(
            "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
            "You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.",
          );
        }
        attached.delete(policy.id);
        return {};
      },
      ListTargetsForPolicy: (input) => {
        const policy = this.policy(input);
        const targets = this.targetIds().filter((target) => this.attachedTo(target).has(policy.id));
        const { page, nextToken } = orgPage(targets, input, `ListTargetsForPolicy:${policy.id}`);
        return { Targets: page.map((target) => this.targetSummary(target)), NextToken: nextToken };
      },
      ListPoliciesForTarget: (input) => {
        this.requireScpFilter(input);
        const target = this.target(required(input, "TargetId"));
        const policies = [...this.attachedTo(target)].map((id) => this.policies.get(id)).filter((p): p is FakePolicy => p !== undefined);
        const { page, nextToken } = orgPage(policies, input, `ListPoliciesForTarget:${target}`);
        return { Policies: page.map((p) => this.summary(p)), NextToken: nextToken };
      },
    };
    return Object.fromEntries(
      Object.entries(handlers).map(([operation, handler]) => [operation, (input) => this.guarded(operation, () => handler(input))]),
    );
  }

  private guarded(operation: string, run: () => JsonObject): JsonObject {
    if (!this.settings.inUse) {
      throw new AwsServiceError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.");
    }
    if (this.denied.has(operation)) {
      throw new AwsServiceError("AccessDeniedException", "You don't have permissions to perform the requested operation.");
    }
    return run();
  }

  private get management(): string {
    return this.settings.managementAccountId;
  }

  private get scpEnabled(): boolean {
    return this.settings.featureSet === "ALL" && this.settings.scpEnabled;
  }

  private policyTypes(): JsonObject[] {
    return this.scpEnabled ? [{ Type: SCP, Status: "ENABLED" }] : [];
  }

  private root(): JsonObject {
    return {
      Id: this.rootId,
      Arn: `arn:aws:organizations::${this.management}:root/${this.organizationId}/${this.rootId}`,
      Name: "Root",
      PolicyTypes: this.policyTypes(),
    };
  }

  private create(name: string, description: string, content: string): FakePolicy {
    this.checkNewName(name);
    checkContent(content);
    const policy = { id: `p-${hex(4)}`, name, description, content, awsManaged: false };
    this.policies.set(policy.id, policy);
    return policy;
  }

  private checkNewName(name: string): void {
    if (name.length > 128) throw invalidInput("MAX_LENGTH_EXCEEDED", "You provided a string parameter that is longer than allowed.");
    if (this.byName(name)) throw new AwsServiceError("DuplicatePolicyException", "A policy with the same name already exists.");
  }

  private attach(policyId: string, targetId: string): void {
    const target = this.target(targetId);
    if (!this.scpEnabled) {
      throw new AwsServiceError("PolicyTypeNotEnabledException", "The specified policy type isn't currently enabled in this root.");
    }
    const attached = this.attachedTo(target);
    if (attached.has(policyId)) {
      throw new AwsServiceError("DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.");
    }
    if (attached.size >= SCPS_PER_TARGET) {
      throw constraint(
        "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
        "You attempted to exceed the number of policies of a certain type that can be attached to an entity at one time.",
      );
    }
    attached.add(policyId);
  }

  private byName(name: string): FakePolicy | undefined {
    return [...this.policies.values()].find((policy) => policy.name === name);
  }

  private policy(input: JsonObject): FakePolicy {
    const id = required(input, "PolicyId");
    if (!/^p-[0-9a-zA-Z_]{8,128}$/.test(id))
      throw invalidInput("INVALID_PATTERN", `You provided a value that doesn't match the required pattern: ${id}`);
    const policy = this.policies.get(id);
    if (!policy) throw new AwsServiceError("PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.");
    return policy;
  }

  /** The root, an OU, or a member account; anything else is TargetNotFoundException. */
  private target(targetId: string): string {
    if (!/^(r-[0-9a-z]{4,32}|\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/.test(targetId)) {
      throw invalidInput("INVALID_PATTERN", `You provided a value that doesn't match the required pattern: ${targetId}`);
    }
    const member = /^\d{12}$/.test(targetId) && (this.tree.hasAccount(targetId) || (this.settings.accounts?.includes(targetId) ?? true));
    if (targetId !== this.rootId && targetId !== this.management && !member && !this.tree.hasUnit(targetId)) {
      throw new AwsServiceError(
        "TargetNotFoundException",
        "We can't find a root, OU, account, or policy with the TargetId that you specified.",
      );
    }
    return targetId;
  }

  private attachedTo(target: string): Set<string> {
    let attached = this.attachments.get(target);
    if (!attached) {
      attached = new Set([FULL_AWS_ACCESS]);
      this.attachments.set(target, attached);
    }
    return attached;
  }

  /** Every target that has been seen, the root first. */
  private targetIds(): string[] {
    this.attachedTo(this.rootId);
    return [...this.attachments.keys()];
  }

  private targetSummary(target: string): JsonObject {
    if (target === this.rootId) return { TargetId: target, Arn: this.root().Arn, Name: "Root", Type: "ROOT" };
    const type = this.tree.hasUnit(target) ? "ou" : "account";
    const arn = `arn:aws:organizations::${this.management}:${type}/${this.organizationId}/${target}`;
    const name = this.tree.nameOf(target) ?? `account ${target}`;
    return { TargetId: target, Arn: arn, Name: name, Type: type === "ou" ? "ORGANIZATIONAL_UNIT" : "ACCOUNT" };
  }

  private summary(policy: FakePolicy): JsonObject {
    const arn = policy.awsManaged
      ? `arn:aws:organizations::aws:policy/service_control_policy/${policy.id}`
      : `arn:aws:organizations::${this.management}:policy/${this.organizationId}/service_control_policy/${policy.id}`;
    return { Id: policy.id, Arn: arn, Name: policy.name, Description: policy.description, Type: SCP, AwsManaged: policy.awsManaged };
  }

  private described(policy: FakePolicy): JsonObject {
    return { PolicySummary: this.summary(policy), Content: policy.content };
  }

  private requireScpFilter(input: JsonObject): void {
    if (input.Filter !== SCP) throw invalidInput("INVALID_ENUM_POLICY_TYPE", "You specified an invalid policy type string.");
  }
}
