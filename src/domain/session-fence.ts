// The session fence's entries: a deny on role sessions a user opened before a revocation, until
// no such session can still exist (the permission set's session duration after it).

/** One revoked (user, account, permission set) whose older sessions are denied. */
export interface FenceEntry {
  /** The Identity Store user id (the `identitystore:userId` condition key). */
  readonly principalId: string;
  readonly accountId: string;
  readonly permissionSetName: string;
  /** Sessions issued before this (epoch ms) are denied. */
  readonly fencedAt: number;
  /** When the entry may be removed: no session it targets can still be valid (epoch ms). */
  readonly liftAt: number;
  /** The grant whose revocation fenced it last. */
  readonly grantId: string;
}

export function fenceKey(entry: Pick<FenceEntry, "principalId" | "accountId" | "permissionSetName">): string {
  return `${entry.principalId}|${entry.accountId}|${entry.permissionSetName}`;
}

/** The largest service control policy AWS accepts, in characters, whitespace included (AWS Organizations quotas). */
export const SCP_MAX_CHARS = 5_120;

/**
 * The roles Identity Center makes for a permission set in an account. The role name is
 * `AWSReservedSSO_<permission set>_<16 hex characters>` under the path
 * `/aws-reserved/sso.amazonaws.com/` (followed by the home region outside us-east-1), so the
 * sixteen `?` keep a permission set named `Admin` from matching the roles of `Admin_Extra`.
 * The partition is a wildcard so GovCloud and China work alike.
 */
export function roleArnPattern(accountId: string, permissionSetName: string): string {
  return `arn:*:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_${permissionSetName}_${"?".repeat(16)}`;
}

/**
 * A policy with no entries still needs a statement (an SCP must have one): this denies only a
 * user id Identity Store never issues.
 */
const IDLE_STATEMENT = {
  Effect: "Deny",
  Action: "*",
  Resource: "*",
  Condition: { StringEquals: { "identitystore:userId": "jit-slack-no-fence-entries" } },
} as const;

export interface RenderedFence {
  /** One policy document per configured policy, in order; minified JSON. */
  readonly documents: readonly string[];
  /** Entries that did not fit: their sessions are not fenced. */
  readonly unfenced: readonly FenceEntry[];
}

/**
 * One statement: these users' sessions of these roles issued before `before` are denied. Every
 * (user, role) pair it covers is one of its entries, so it never reaches a pair nobody revoked.
 */
interface Group {
  readonly users: readonly string[];
  readonly patterns: readonly string[];
  readonly before: number;
  readonly entries: readonly FenceEntry[];
}

/**
 * Lays the entries out over `policyCount` policies of at most `maxChars` characters.
 *
 * Entries share a statement, with the latest fence time among them, only where that cannot deny a
 * session a grant covers: an entry whose (user, account, permission set) is held again by a live
 * grant (`liveKeys`, see fenceKey) keeps its own time, so the new grant's sessions, all issued
 * after it, stay valid; for every other entry, no session can have been issued since its own
 * fence time (the assignment is gone), so a later bound denies nothing more. Entries on one role
 * share a statement listing their users; a user's remaining single entries share one listing
 * their roles. What does not fit is returned as unfenced, never dropped silently.
 */
export function renderFence(
  entries: readonly FenceEntry[],
  liveKeys: ReadonlySet<string>,
  policyCount: number,
  maxChars: number = SCP_MAX_CHARS,
): RenderedFence {
  const sorted = [...entries].sort(byKey);
  const live = sorted.filter((entry) => liveKeys.has(fenceKey(entry)));
  const merged = sorted.filter((entry) => !liveKeys.has(fenceKey(entry)));
  const groups = [...live.map((entry) => groupOf([entry])), ...mergeableGroups(merged)];
  return pack(groups, policyCount, maxChars);
}

function mergeableGroups(entries: readonly FenceEntry[]): Group[] {
  const byRole = groupBy(entries, (entry) => roleArnPattern(entry.accountId, entry.permissionSetName));
  const shared = [...byRole.values()].filter((members) => members.length > 1);
  const single = [...byRole.values()].filter((members) => members.length === 1).flat();
  const byUser = groupBy(single, (entry) => entry.principalId);
  return [...shared, ...byUser.values()].map(groupOf);
}

function groupOf(entries: readonly FenceEntry[]): Group {
  return {
    users: unique(entries.map((entry) => entry.principalId)),
    patterns: unique(entries.map((entry) => roleArnPattern(entry.accountId, entry.permissionSetName))),
    before: Math.max(...entries.map((entry) => entry.fencedAt)),
    entries,
  };
}

/** First fit, largest first; a group too large for the room left is split in two and tried again. */
function pack(groups: readonly Group[], policyCount: number, maxChars: number): RenderedFence {
  const policies: Group[][] = Array.from({ length: policyCount }, () => []);
  const unfenced: FenceEntry[] = [];
  const queue = [...groups].sort((a, b) => statementText(b).length - statementText(a).length || byKey(a.entries[0], b.entries[0]));
  while (queue.length > 0) {
    const group = queue.shift() as Group;
    const room = policies.find((statements) => documentText([...statements, group]).length <= maxChars);
    if (room) {
      room.push(group);
      continue;
    }
    const halves = split(group);
    if (halves) queue.unshift(...halves);
    else unfenced.push(...group.entries);
  }
  return { documents: policies.map((statements) => documentText(statements)), unfenced: unfenced.sort(byKey) };
}

function split(group: Group): [Group, Group] | undefined {
  if (group.entries.length < 2) return undefined;
  const half = Math.ceil(group.entries.length / 2);
  return [groupOf(group.entries.slice(0, half)), groupOf(group.entries.slice(half))];
}

function documentText(groups: readonly Group[]): string {
  const statements = groups.length === 0 ? [IDLE_STATEMENT] : [...groups].sort(byFirstEntry).map(statement);
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

function statementText(group: Group): string {
  return JSON.stringify(statement(group));
}

/**
 * Deny everything to these Identity Store users (`identitystore:userId`, present on Identity Center
 * sessions) in sessions of these roles (`aws:PrincipalArn`) issued before the bound
 * (`aws:TokenIssueTime`, whole seconds, rounded up so the revocation's own second is covered).
 * AWS documents this as the way to revoke active sessions: IAM Identity Center user guide,
 * "Use a Deny policy to revoke active user permissions".
 */
function statement(group: Group) {
  return {
    Effect: "Deny",
    Action: "*",
    Resource: "*",
    Condition: {
      StringEquals: { "identitystore:userId": oneOrMany(group.users) },
      ArnLike: { "aws:PrincipalArn": oneOrMany(group.patterns) },
      DateLessThan: { "aws:TokenIssueTime": fenceBound(group.before) },
    },
  };
}

/** The TokenIssueTime bound for a fence made at `fencedAt`: the next whole second, ISO 8601 UTC. */
export function fenceBound(fencedAt: number): string {
  return new Date(Math.ceil(fencedAt / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function oneOrMany(values: readonly string[]): string | readonly string[] {
  return values.length === 1 ? (values[0] as string) : values;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const members = groups.get(key);
    if (members) members.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function byKey(a: FenceEntry | undefined, b: FenceEntry | undefined): number {
  const left = a ? fenceKey(a) : "";
  const right = b ? fenceKey(b) : "";
  return left < right ? -1 : left > right ? 1 : 0;
}

function byFirstEntry(a: Group, b: Group): number {
  return byKey(a.entries[0], b.entries[0]);
}
