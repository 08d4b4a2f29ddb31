// Reads the organization as the policy sees it (domain/organization.ts) from AWS Organizations: the
// root, the OU tree, every account with its state and OU, and, when asked, each account's tags. Every
// call is paginated and goes through the rate limiter with retries (retrying-call.ts).
//
// Fewest calls: ListAccountsForParent once per root and OU (pages of at most 20) gives each account
// with its parent: about accounts / 20 + (OUs + 1) calls. ListAccounts gives the same accounts in
// accounts / 20 calls but without their parents, which would then cost one ListParents per account.
// No listing returns tags (the Account shape has none), so tags cost one ListTagsForResource per
// account; `withTags` asks for them only when a rule uses `tag:`.
import {
  type Account,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { type Clock, systemClock } from "../domain/clock.js";
import { ProviderError } from "../domain/errors.js";
import type { OrgAccount, OrgAccountState, OrgSnapshot, OrgUnit } from "../domain/organization.js";
import { RateLimiter } from "./limiter.js";
import { type RetryPolicy, retryingCall } from "./retrying-call.js";

export type OrganizationReadOptions = ({ readonly limiter: RateLimiter } | { readonly callsPerSecond: number }) & {
  /** Attempts per call (throttling and outages are retried). */
  readonly retries: number;
  /** Read every account's tags: one ListTagsForResource call per account. */
  readonly withTags: boolean;
  readonly clock?: Clock;
};

export async function readOrganization(client: OrganizationsClient, options: OrganizationReadOptions): Promise<OrgSnapshot> {
  const clock = options.clock ?? systemClock;
  const limiter = "limiter" in options ? options.limiter : new RateLimiter(options.callsPerSecond, undefined, clock);
  return new OrganizationRead(client, { limiter, priority: "normal", retries: options.retries }, options.withTags).run(clock);
}

const STATES: ReadonlySet<string> = new Set<OrgAccountState>(["ACTIVE", "SUSPENDED", "PENDING_ACTIVATION", "PENDING_CLOSURE", "CLOSED"]);

/**
 * The account's state from `State`, or from the older `Status` where AWS sends no State (Status is
 * retired on 9 September 2026; SDK model, Account). A state this code does not know is not ACTIVE,
 * even where Status says ACTIVE, so the account is never offered.
 */
export function accountState(state: string | undefined, status: string | undefined): OrgAccountState {
  const given = state ?? status;
  return given !== undefined && STATES.has(given) ? (given as OrgAccountState) : "SUSPENDED";
}

/** "/Root/Workloads/Prod": the root's own name first. */
export function unitPath(parentPath: string | null, name: string): string {
  return `${parentPath ?? ""}/${name}`;
}

interface Page<T> {
  readonly items: readonly T[] | undefined;
  readonly NextToken?: string | undefined;
}

class OrganizationRead {
  private readonly units: OrgUnit[] = [];
  private readonly accounts = new Map<string, OrgAccount>();
  private readonly tagReads: Promise<void>[] = [];
  /** The first failure: calls still queued in the limiter then stop without calling AWS. */
  private failure: ProviderError | null = null;

  constructor(
    private readonly client: OrganizationsClient,
    private readonly policy: RetryPolicy,
    private readonly withTags: boolean,
  ) {}

  async run(clock: Clock): Promise<OrgSnapshot> {
    try {
      const roots = await this.all("ListRoots", (NextToken) =>
        this.client.send(new ListRootsCommand({ NextToken })).then((r) => ({ items: r.Roots, NextToken: r.NextToken })),
      );
      const root = roots[0];
      if (!root?.Id) throw new ProviderError("Organizations ListRoots returned no root", "MalformedResponse", true);
      const name = root.Name ?? "Root";
      await this.visit({ id: root.Id, name, path: unitPath(null, name), parentId: null });
      await Promise.all(this.tagReads);
      const byKey =
        <T>(key: (item: T) => string) =>
        (a: T, b: T) =>
          key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
      return {
        readAt: clock.now(),
        rootId: root.Id,
        units: [...this.units].sort(byKey((unit) => unit.path)),
        accounts: [...this.accounts.values()].sort(byKey((account) => account.id)),
      };
    } catch (error) {
      this.failure ??= error instanceof ProviderError ? error : null;
      throw this.failure ?? error;
    }
  }

  /** A unit's accounts and its child OUs, each child visited as soon as it is known. */
  private async visit(unit: OrgUnit): Promise<void> {
    this.units.push(unit);
    const children = async () => {
      const found = await this.all(`ListOrganizationalUnitsForParent ${unit.id}`, (NextToken) =>
        this.client
          .send(new ListOrganizationalUnitsForParentCommand({ ParentId: unit.id, NextToken }))
          .then((r) => ({ items: r.OrganizationalUnits, NextToken: r.NextToken })),
      );
      const visits: Promise<void>[] = [];
      for (const { Id: id, Name: name = id } of found) {
        if (id && name) visits.push(this.visit({ id, name, path: unitPath(unit.path, name), parentId: unit.id }));
      }
      await Promise.all(visits);
    };
    const accounts = async () => {
      const found = await this.all(`ListAccountsForParent ${unit.id}`, (NextToken) =>
        this.client
          .send(new ListAccountsForParentCommand({ ParentId: unit.id, NextToken }))
          .then((r) => ({ items: r.Accounts, NextToken: r.NextToken })),
      );
      for (const account of found) this.add(account, unit.id);
    };
    await Promise.all([children(), accounts()]);
  }

  /** An account listed twice (moved while we read) keeps its first place; the next read settles it. */
  private add(account: Account, parentId: string): void {
    const id = account.Id;
    if (!id)
      throw new ProviderError(
        `Organizations ListAccountsForParent ${parentId} returned an account without an id`,
        "MalformedResponse",
        true,
      );
    if (this.accounts.has(id)) return;
    const entry = { id, name: account.Name ?? id, state: accountState(account.State, account.Status), parentId, tags: {} };
    this.accounts.set(id, entry);
    if (!this.withTags) return;
    const read = this.tagsOf(id).then((tags) => void this.accounts.set(id, { ...entry, tags }));
    // Awaited once the tree is read; handled now, so a failure meanwhile is not an unhandled rejection.
    read.catch(() => undefined);
    this.tagReads.push(read);
  }

  private async tagsOf(accountId: string): Promise<Record<string, string>> {
    const tags = await this.all(`ListTagsForResource ${accountId}`, (NextToken) =>
      this.client
        .send(new ListTagsForResourceCommand({ ResourceId: accountId, NextToken }))
        .then((r) => ({ items: r.Tags, NextToken: r.NextToken })),
    );
    return Object.fromEntries(tags.flatMap((tag) => (tag.Key !== undefined ? [[tag.Key, tag.Value ?? ""]] : [])));
  }

  /** Every page of one listing, each page one call. */
  private async all<T>(action: string, fetch: (nextToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
    const items: T[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call(action, () => fetch(nextToken));
      items.push(...(page.items ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return items;
  }

  private async call<T>(action: string, send: () => Promise<T>): Promise<T> {
    try {
      return await retryingCall(this.policy, `Organizations ${action}`, () => {
        if (this.failure) throw new ProviderError(`Organizations ${action} not made: the read had already failed`, "Abandoned", false);
        return send();
      });
    } catch (error) {
      this.failure ??= error instanceof ProviderError ? error : null;
      throw error;
    }
  }
}
