// The AWS organization as the policy sees it: its accounts, where each sits in the OU tree, and
// their tags. Read from AWS Organizations (aws/), resolved against the policy file (config/).

/** AWS Organizations account states (ListAccounts `State`); only ACTIVE accounts are ever offered. */
export type OrgAccountState = "ACTIVE" | "SUSPENDED" | "PENDING_ACTIVATION" | "PENDING_CLOSURE" | "CLOSED";

export interface OrgUnit {
  /** `ou-…`, or the root's `r-…`. */
  readonly id: string;
  readonly name: string;
  /** From the root, e.g. "/Root/Workloads/Prod" (the root's own name first). */
  readonly path: string;
  /** The parent's id; null for the root. */
  readonly parentId: string | null;
}

export interface OrgAccount {
  readonly id: string;
  readonly name: string;
  readonly state: OrgAccountState;
  /** The OU (or root) the account sits in directly. */
  readonly parentId: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface OrgSnapshot {
  /** When it was read (epoch ms). */
  readonly readAt: number;
  readonly rootId: string;
  readonly units: readonly OrgUnit[];
  readonly accounts: readonly OrgAccount[];
}

/** `ou-<root part>-<8 to 32>` (Organizations API reference, OrganizationalUnit: Id pattern). */
export const OU_ID = /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;
/** `r-<4 to 32>` (Organizations API reference, Root: Id pattern). */
export const ROOT_ID = /^r-[0-9a-z]{4,32}$/;

/**
 * Which accounts of the organization a rule means beside ids and names: an OU (by id or path) and
 * everything below it, or a tag (a key with one value, or the key with any value). Tag keys and
 * values are case-sensitive in AWS, and so are paths here: they match exactly as AWS spells them.
 */
export type OrgSelector =
  | { readonly kind: "ou-id"; readonly id: string }
  | { readonly kind: "ou-path"; readonly path: string }
  | { readonly kind: "tag"; readonly key: string; readonly value: string | null };

/** Only ACTIVE accounts are ever offered: not SUSPENDED, CLOSED or PENDING_*. */
export function isActive(account: OrgAccount): boolean {
  return account.state === "ACTIVE";
}

/** `value` null: the account has the key, with any value (an empty one too). */
export function hasTag(account: OrgAccount, key: string, value: string | null): boolean {
  if (!Object.hasOwn(account.tags, key)) return false;
  return value === null || account.tags[key] === value;
}

/** The OU tree of one snapshot, indexed, for answering many questions about many accounts. */
export interface OrgTree {
  readonly snapshot: OrgSnapshot;
  unit(id: string): OrgUnit | undefined;
  /** Every unit at this path: OU names are unique under one parent, but a name may hold "/". */
  unitsAtPath(path: string): OrgUnit[];
  /** The ids of the units the account sits in, from its own OU up to the root. */
  ancestry(account: OrgAccount): readonly string[];
  /** Whether the account sits in this OU (or root), directly or below it. */
  isUnder(account: OrgAccount, unitId: string): boolean;
  /** The path of the OU the account sits in directly ("?" when the snapshot lacks it). */
  pathOf(account: OrgAccount): string;
  account(id: string): OrgAccount | undefined;
}

export function orgTree(snapshot: OrgSnapshot): OrgTree {
  const units = new Map(snapshot.units.map((unit) => [unit.id, unit]));
  const accounts = new Map(snapshot.accounts.map((account) => [account.id, account]));
  const byPath = new Map<string, OrgUnit[]>();
  for (const unit of snapshot.units) byPath.set(unit.path, [...(byPath.get(unit.path) ?? []), unit]);
  const ancestries = new Map<string, readonly string[]>();
  const ancestryOf = (unitId: string): readonly string[] => {
    const known = ancestries.get(unitId);
    if (known) return known;
    const chain: string[] = [];
    // Bounded by the number of units, so a malformed snapshot with a cycle cannot loop forever.
    for (let id: string | null = unitId; id !== null && chain.length <= units.size; id = units.get(id)?.parentId ?? null) {
      chain.push(id);
    }
    ancestries.set(unitId, chain);
    return chain;
  };
  return {
    snapshot,
    unit: (id) => units.get(id),
    unitsAtPath: (path) => byPath.get(path) ?? [],
    ancestry: (account) => ancestryOf(account.parentId),
    isUnder: (account, unitId) => ancestryOf(account.parentId).includes(unitId),
    pathOf: (account) => units.get(account.parentId)?.path ?? "?",
    account: (id) => accounts.get(id),
  };
}

/** Whether the account is one the selector means; an OU path or id the tree lacks means none. */
export function selects(tree: OrgTree, selector: OrgSelector, account: OrgAccount): boolean {
  switch (selector.kind) {
    case "ou-id":
      return tree.isUnder(account, selector.id);
    case "ou-path":
      return tree.unitsAtPath(selector.path).some((unit) => tree.isUnder(account, unit.id));
    case "tag":
      return hasTag(account, selector.key, selector.value);
  }
}

/** The selector as written in the policy file. */
export function describeSelector(selector: OrgSelector): string {
  if (selector.kind === "ou-id") return `ou:${selector.id}`;
  if (selector.kind === "ou-path") return `ou:${selector.path}`;
  return selector.value === null ? `tag:${selector.key}` : `tag:${selector.key}=${selector.value}`;
}
