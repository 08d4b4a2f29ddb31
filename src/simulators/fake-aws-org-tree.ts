// The organization's tree for the fake AWS Organizations: OUs nested under the one root, and accounts
// in them with their name, email, state and tags, read through ListAccounts, ListAccountsForParent,
// ListOrganizationalUnitsForParent, ListChildren, ListTagsForResource, DescribeAccount and
// DescribeOrganizationalUnit (shapes and errors as in the Organizations API reference and the SDK's
// model). An account answers `State` and, where the older enum (ACTIVE, SUSPENDED, PENDING_CLOSURE,
// retired on 9 September 2026) has the state, `Status`. The management account sits in the root.
import { AwsServiceError, type JsonObject } from "./fake-aws-protocol.js";
import type { JsonHandler } from "./fake-aws-sso.js";
import { invalidInput, orgPage, required } from "./fake-aws-org-wire.js";

export type FakeAccountState = "ACTIVE" | "SUSPENDED" | "PENDING_ACTIVATION" | "PENDING_CLOSURE" | "CLOSED";

export interface FakeOrgAccountInput {
  /** 12 digits; a fresh one when left out. */
  id?: string;
  name: string;
  email?: string;
  state?: FakeAccountState;
  /** The root (default) or an OU. */
  parentId?: string;
  tags?: Readonly<Record<string, string>>;
}

export interface FakeOrgGeneration {
  accounts: number;
  /** OUs per parent at each level below the root (default [4, 5, 5]: 124 OUs, 100 of them leaves). */
  fanout?: readonly number[];
}

export interface GeneratedOrganization {
  readonly unitIds: readonly string[];
  readonly accountIds: readonly string[];
}

interface Unit {
  id: string;
  name: string;
  parentId: string;
  tags: Record<string, string>;
}

interface Account {
  id: string;
  name: string;
  email: string;
  state: FakeAccountState;
  parentId: string;
  tags: Record<string, string>;
  joined: number;
}

const LEGACY_STATUS: Partial<Record<FakeAccountState, string>> = {
  ACTIVE: "ACTIVE",
  SUSPENDED: "SUSPENDED",
  PENDING_CLOSURE: "PENDING_CLOSURE",
};
const ACCOUNT_ID = /^\d{12}$/;
const PARENT_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;

export class OrgTree {
  private readonly units = new Map<string, Unit>();
  private readonly accounts = new Map<string, Account>();
  private rootTags: Record<string, string> = {};
  private sequence = 0;

  constructor(
    private readonly organizationId: string,
    readonly rootId: string,
    private readonly management: () => string,
  ) {}

  clear(): void {
    this.units.clear();
    this.accounts.clear();
    this.rootTags = {};
    this.sequence = 0;
    this.addAccount({ id: this.management(), name: "Management", email: "management@example.com" });
  }

  /** The management account moved to another id (configureOrganization). */
  replaceManagement(previous: string): void {
    const account = this.accounts.get(previous);
    this.accounts.delete(previous);
    this.addAccount({ ...account, id: this.management(), name: account?.name ?? "Management" });
  }

  addUnit(name: string, parentId = this.rootId, tags: Readonly<Record<string, string>> = {}): string {
    this.requireParent(parentId);
    this.sequence += 1;
    const id = `ou-${this.rootId.slice(2)}-${this.sequence.toString(36).padStart(8, "0")}`;
    this.units.set(id, { id, name, parentId, tags: { ...tags } });
    return id;
  }

  addAccount(input: FakeOrgAccountInput): string {
    const parentId = input.parentId ?? this.rootId;
    this.requireParent(parentId);
    const id = input.id ?? String(900_000_000_000 + this.accounts.size);
    if (!ACCOUNT_ID.test(id)) throw new Error(`fake AWS: ${id} is not a 12-digit account id`);
    const email = input.email ?? `aws+${id}@example.com`;
    this.accounts.set(id, {
      id,
      name: input.name,
      email,
      state: input.state ?? "ACTIVE",
      parentId,
      tags: { ...input.tags },
      joined: 1_700_000_000,
    });
    return id;
  }

  moveAccount(accountId: string, parentId: string): void {
    this.requireParent(parentId);
    this.account(accountId).parentId = parentId;
  }

  setAccountState(accountId: string, state: FakeAccountState): void {
    this.account(accountId).state = state;
  }

  tagAccount(accountId: string, tags: Readonly<Record<string, string>>): void {
    Object.assign(this.account(accountId).tags, tags);
  }

  /** Nested OUs (`fanout` per level) and `accounts` accounts: nine in ten in the leaves, the rest higher up. */
  generate(spec: FakeOrgGeneration): GeneratedOrganization {
    let level = [this.rootId];
    const unitIds: string[] = [];
    for (const [depth, count] of (spec.fanout ?? [4, 5, 5]).entries()) {
      level = level.flatMap((parent, p) =>
        Array.from({ length: count }, (_, c) => this.addUnit(`L${depth + 1}-${p + 1}-${c + 1}`, parent)),
      );
      unitIds.push(...level);
    }
    const accountIds: string[] = [];
    for (let i = 0; i < spec.accounts; i += 1) {
      const parentId = i % 10 === 0 ? (unitIds[(i / 10) % unitIds.length] ?? this.rootId) : (level[i % level.length] ?? this.rootId);
      const state: FakeAccountState = i % 250 === 249 ? "CLOSED" : i % 100 === 99 ? "SUSPENDED" : "ACTIVE";
      const tags = { env: ["prod", "staging", "dev"][i % 3] as string, team: `team-${i % 20}` };
      accountIds.push(this.addAccount({ id: String(200_000_000_000 + i), name: `workload-${i}`, parentId, state, tags }));
    }
    return { unitIds, accountIds };
  }

  hasAccount(id: string): boolean {
    return this.accounts.has(id);
  }

  hasUnit(id: string): boolean {
    return this.units.has(id);
  }

  nameOf(id: string): string | undefined {
    return this.accounts.get(id)?.name ?? this.units.get(id)?.name;
  }

  handlers(): Record<string, JsonHandler> {
    const accountsIn = (parentId: string) => [...this.accounts.values()].filter((a) => a.parentId === parentId);
    const unitsIn = (parentId: string) => [...this.units.values()].filter((u) => u.parentId === parentId);
    return {
      ListAccounts: (input) => {
        const { page, nextToken } = orgPage([...this.accounts.values()], input, "ListAccounts");
        return { Accounts: page.map((a) => this.accountJson(a)), NextToken: nextToken };
      },
      ListAccountsForParent: (input) => {
        const parentId = this.parentOf(input);
        const { page, nextToken } = orgPage(accountsIn(parentId), input, `ListAccountsForParent:${parentId}`);
        return { Accounts: page.map((a) => this.accountJson(a)), NextToken: nextToken };
      },
      ListOrganizationalUnitsForParent: (input) => {
        const parentId = this.parentOf(input);
        const { page, nextToken } = orgPage(unitsIn(parentId), input, `ListOrganizationalUnitsForParent:${parentId}`);
        return { OrganizationalUnits: page.map((u) => this.unitJson(u)), NextToken: nextToken };
      },
      ListChildren: (input) => {
        const parentId = this.parentOf(input);
        const type = input.ChildType;
        if (type !== "ACCOUNT" && type !== "ORGANIZATIONAL_UNIT") throw invalidInput("INVALID_ENUM", "You specified an invalid value.");
        const ids = (type === "ACCOUNT" ? accountsIn(parentId) : unitsIn(parentId)).map((child) => child.id);
        const { page, nextToken } = orgPage(ids, input, `ListChildren:${parentId}:${type}`);
        return { Children: page.map((Id) => ({ Id, Type: type })), NextToken: nextToken };
      },
      ListTagsForResource: (input) => {
        const id = required(input, "ResourceId");
        const tags = id === this.rootId ? this.rootTags : (this.accounts.get(id)?.tags ?? this.units.get(id)?.tags);
        if (!tags) {
          throw new AwsServiceError(
            "TargetNotFoundException",
            "We can't find a root, OU, account, or policy with the TargetId that you specified.",
          );
        }
        const { page, nextToken } = orgPage(Object.entries(tags), input, `ListTagsForResource:${id}`);
        return { Tags: page.map(([Key, Value]) => ({ Key, Value })), NextToken: nextToken };
      },
      DescribeAccount: (input) => {
        const id = required(input, "AccountId");
        if (!ACCOUNT_ID.test(id))
          throw invalidInput("INVALID_PATTERN", `You provided a value that doesn't match the required pattern: ${id}`);
        const account = this.accounts.get(id);
        if (!account) {
          throw new AwsServiceError("AccountNotFoundException", "We can't find an AWS account with the AccountId that you specified.");
        }
        return { Account: this.accountJson(account) };
      },
      DescribeOrganizationalUnit: (input) => {
        const unit = this.units.get(required(input, "OrganizationalUnitId"));
        if (!unit) {
          throw new AwsServiceError(
            "OrganizationalUnitNotFoundException",
            "We can't find an OU with the OrganizationalUnitId that you specified.",
          );
        }
        return { OrganizationalUnit: this.unitJson(unit) };
      },
    };
  }

  private account(id: string): Account {
    const account = this.accounts.get(id);
    if (!account) throw new Error(`fake AWS: no account ${id} in the organization`);
    return account;
  }

  private requireParent(parentId: string): void {
    if (parentId !== this.rootId && !this.units.has(parentId)) throw new Error(`fake AWS: no root or OU ${parentId}`);
  }

  private parentOf(input: JsonObject): string {
    const parentId = required(input, "ParentId");
    if (!PARENT_ID.test(parentId))
      throw invalidInput("INVALID_PATTERN", `You provided a value that doesn't match the required pattern: ${parentId}`);
    if (parentId !== this.rootId && !this.units.has(parentId)) {
      throw new AwsServiceError("ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.");
    }
    return parentId;
  }

  private accountJson(account: Account): JsonObject {
    return {
      Id: account.id,
      Arn: `arn:aws:organizations::${this.management()}:account/${this.organizationId}/${account.id}`,
      Email: account.email,
      Name: account.name,
      State: account.state,
      Status: LEGACY_STATUS[account.state],
      JoinedMethod: account.id === this.management() ? "CREATED" : "INVITED",
      JoinedTimestamp: account.joined,
    };
  }

  private unitJson(unit: Unit): JsonObject {
    return { Id: unit.id, Arn: `arn:aws:organizations::${this.management()}:ou/${this.organizationId}/${unit.id}`, Name: unit.name };
  }
}
