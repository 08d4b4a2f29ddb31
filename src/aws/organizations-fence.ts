// The session fence's AWS side: the bot's own service control policies in AWS Organizations. It
// remembers what AWS holds, so a write updates only the policies whose content changed; after any
// failure it reads AWS again, since it cannot know how far the failed write got.
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DescribePolicyCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  UpdatePolicyCommand,
  type OrganizationsClient,
} from "@aws-sdk/client-organizations";
import type { Clock } from "../domain/clock.js";
import { ProviderError } from "../domain/errors.js";
import type { FenceAttachment } from "../domain/fence-capability.js";
import type { SessionFenceWriter } from "../services/ports.js";
import { RateLimiter } from "./limiter.js";
import { explainFenceFailure } from "./organizations-failures.js";
import { retryingCall, type RetryPolicy } from "./retrying-call.js";

export interface OrganizationsFenceSettings {
  /** The bot's policies, in the order `write` is given their documents. */
  readonly policyNames: readonly string[];
  readonly attachTo: FenceAttachment;
  /** With attachTo "accounts": the accounts the policy offers now (it changes when the organization is read again). */
  readonly accountIds: () => readonly string[];
  /** Never attached to: SCPs do not reach the management account. */
  readonly managementAccountId: string | null;
  readonly callsPerSecond: number;
  /** Attempts per call for throttling, concurrent modification and outages. */
  readonly retries: number;
}

const SCP = "SERVICE_CONTROL_POLICY";
/**
 * Tagged at creation, so the bot's role can be allowed to update and attach only its own policies
 * (`aws:ResourceTag/jit-slack` on the policy resource; README, "AWS permissions").
 */
export const OWNER_TAG = { Key: "jit-slack", Value: "session-fence" } as const;
const DESCRIPTION = "Managed by jit-slack (session fence): it rewrites this policy itself. Do not edit, detach or delete it.";

interface KnownPolicy {
  readonly id: string;
  content: string;
}

export class OrganizationsFenceWriter implements SessionFenceWriter {
  private readonly retry: RetryPolicy;
  /** Name → what AWS holds; null until read, and again after a failure. */
  private known: Map<string, KnownPolicy> | null = null;

  constructor(
    private readonly organizations: OrganizationsClient,
    private readonly settings: OrganizationsFenceSettings,
    clock?: Clock,
  ) {
    this.retry = { limiter: new RateLimiter(settings.callsPerSecond, undefined, clock), priority: "revoke", retries: settings.retries };
  }

  async write(documents: readonly string[], order?: readonly number[]): Promise<void> {
    const names = this.settings.policyNames;
    if (documents.length !== names.length) {
      throw new ProviderError(
        `The session fence has ${names.length} policies but was given ${documents.length} documents`,
        "FenceDocuments",
        false,
      );
    }
    try {
      const known = this.known ?? (await this.establish(documents));
      this.known = known;
      for (const index of writeSequence(names.length, order)) {
        const name = names[index] as string;
        const policy = known.get(name) as KnownPolicy;
        const content = documents[index] as string;
        if (policy.content === content) continue;
        await this.call(`UpdatePolicy ${name}`, { policy: name }, () =>
          this.organizations.send(new UpdatePolicyCommand({ PolicyId: policy.id, Content: content })),
        );
        policy.content = content;
      }
    } catch (error) {
      this.known = null;
      throw error;
    }
  }

  /** Finds (or creates) each policy and attaches it to every target; returns what AWS now holds. */
  private async establish(documents: readonly string[]): Promise<Map<string, KnownPolicy>> {
    const existing = await this.findPolicies();
    const known = new Map<string, KnownPolicy>();
    for (const [index, name] of this.settings.policyNames.entries()) {
      const id = existing.get(name);
      known.set(name, id ? { id, content: await this.contentOf(name, id) } : await this.create(name, documents[index] as string));
    }
    const targets = await this.targets();
    for (const [name, policy] of known) await this.attach(name, policy.id, targets);
    return known;
  }

  private async findPolicies(): Promise<Map<string, string>> {
    const wanted = new Set(this.settings.policyNames);
    const found = new Map<string, string>();
    let nextToken: string | undefined;
    do {
      const page = await this.call("ListPolicies", {}, () =>
        this.organizations.send(new ListPoliciesCommand({ Filter: SCP, NextToken: nextToken })),
      );
      for (const policy of page.Policies ?? []) {
        if (policy.Name && policy.Id && wanted.has(policy.Name) && !policy.AwsManaged) found.set(policy.Name, policy.Id);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  }

  private async contentOf(name: string, id: string): Promise<string> {
    const { Policy } = await this.call(`DescribePolicy ${name}`, { policy: name }, () =>
      this.organizations.send(new DescribePolicyCommand({ PolicyId: id })),
    );
    return Policy?.Content ?? "";
  }

  private async create(name: string, content: string): Promise<KnownPolicy> {
    const { Policy } = await this.call(`CreatePolicy ${name}`, { policy: name }, () =>
      this.organizations.send(
        new CreatePolicyCommand({ Name: name, Description: DESCRIPTION, Type: SCP, Content: content, Tags: [OWNER_TAG] }),
      ),
    );
    const id = Policy?.PolicySummary?.Id;
    if (!id) throw new ProviderError(`CreatePolicy ${name} returned no policy id`, "MalformedResponse", true);
    return { id, content };
  }

  /** The root's id, or the accounts to fence; never the management account. */
  private async targets(): Promise<string[]> {
    if (this.settings.attachTo === "accounts") {
      return [...new Set(this.settings.accountIds())].filter((id) => id !== this.settings.managementAccountId);
    }
    const { Roots } = await this.call("ListRoots", {}, () => this.organizations.send(new ListRootsCommand({})));
    const rootId = Roots?.[0]?.Id;
    if (!rootId) throw new ProviderError("ListRoots returned no root", "MalformedResponse", true);
    return [rootId];
  }

  private async attach(name: string, policyId: string, targets: readonly string[]): Promise<void> {
    const attached = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await this.call(`ListTargetsForPolicy ${name}`, { policy: name }, () =>
        this.organizations.send(new ListTargetsForPolicyCommand({ PolicyId: policyId, NextToken: nextToken })),
      );
      for (const target of page.Targets ?? []) if (target.TargetId) attached.add(target.TargetId);
      nextToken = page.NextToken;
    } while (nextToken);
    for (const target of targets.filter((id) => !attached.has(id))) {
      try {
        await this.call(`AttachPolicy ${name}`, { policy: name, target }, () =>
          this.organizations.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: target })),
        );
      } catch (error) {
        // Attached since we listed (or listed late): what we wanted holds.
        if (!(error instanceof ProviderError && error.code === "DuplicatePolicyAttachmentException")) throw error;
      }
    }
  }

  /** One rate-limited call, retried (retrying-call.ts); a definite refusal is explained for the operator. */
  private call<T>(action: string, subject: { policy?: string; target?: string }, send: () => Promise<T>): Promise<T> {
    return retryingCall(this.retry, `Organizations ${action}`, send, (failure, error) => explainFenceFailure(failure, error, subject));
  }
}

/** The order given, when it names every policy once; else index order. */
function writeSequence(count: number, order: readonly number[] | undefined): number[] {
  const indexes = Array.from({ length: count }, (_, index) => index);
  if (!order || order.length !== count || [...order].sort((a, b) => a - b).some((index, i) => index !== i)) return indexes;
  return [...order];
}
