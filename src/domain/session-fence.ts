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
  /** The keys (fenceKey) of the entries fenced, in the order they were laid out: the next layout's fencedBefore. */
  readonly placed: readonly string[];
  /** Each role fenced as a whole (see RoleWideFence) → the policy holding its statement. */
  readonly roleWide: ReadonlyMap<string, number>;
  /** The same roles, by account and permission set, with how many users their live grants spare. */
  readonly wholeRoles: readonly WholeRole[];
  /**
   * The policies in the order to write them: those taking up a role-wide statement first (its
   * users' per-user statements may be gone from the others), those giving one up last (its users'
   * per-user statements may be new in the others), so no entry is unfenced between two updates.
   */
  readonly writeOrder: readonly number[];
}

export interface WholeRole {
  readonly accountId: string;
  readonly permissionSetName: string;
  /** Sessions issued before this (epoch ms) are denied. */
  readonly fencedAt: number;
  /** Users a live grant holds the role for, whose sessions are not denied. */
  readonly spared: number;
}

/**
 * What to do when the policies cannot hold every entry. With `enabled`, the role of an entry that
 * does not fit is fenced as a whole instead: one statement denies every session of that role issued
 * before its latest revocation, except the sessions of users a live grant holds it for. That takes
 * one statement however many users were revoked from the role, but it also ends older sessions of
 * people who hold the permission set on that account outside the bot (they sign in again).
 * `before` is the last layout's roles fenced as a whole (RenderedFence.roleWide).
 */
export interface RoleWideFence {
  readonly enabled: boolean;
  readonly before?: ReadonlyMap<string, number>;
}

/**
 * One statement: these users' sessions of these roles issued before `before` are denied. It grows
 * only by a user (when it names one role) or by a role (when it names one user), so every (user,
 * role) pair it covers is one of its entries and it never reaches a pair nobody revoked.
 */
interface Statement {
  readonly users: string[];
  readonly patterns: string[];
  before: number;
  /** A re-granted target's entry: kept alone, at its own time. */
  readonly live: boolean;
  /** A role fenced as a whole: `users` is empty and these users (live grants of the role) are spared. */
  readonly except?: readonly string[];
  /** Its JSON length now. */
  length: number;
}

interface PolicyLayout {
  readonly statements: Statement[];
  /** The document's JSON length now. */
  length: number;
}

/** `{"Version":"2012-10-17","Statement":[]}`: a document's length before its statements. */
const DOCUMENT_OVERHEAD = JSON.stringify({ Version: "2012-10-17", Statement: [] }).length;

/**
 * Lays the entries out over `policyCount` policies of at most `maxChars` characters.
 *
 * Entries are placed oldest first, after those the previous layout fenced (`fencedBefore`, keys),
 * each joining the statement that costs the fewest characters, and nothing placed is moved: a later
 * revocation can find the policies full, but it never pushes out an entry fenced before it. Entries share a statement, bounded by the latest fence time among
 * them, only where that cannot deny a session a grant covers: an entry whose (user, account,
 * permission set) is held again by a live grant (`liveKeys`, see fenceKey) keeps a statement of its
 * own at its own time, so the new grant's sessions, all issued after it, stay valid; for every
 * other entry no session can have been issued since its own fence time (the assignment is gone),
 * so a later bound denies nothing more. What does not fit is returned as unfenced, never dropped
 * silently.
 */
export function renderFence(
  entries: readonly FenceEntry[],
  liveKeys: ReadonlySet<string>,
  policyCount: number,
  maxChars: number = SCP_MAX_CHARS,
  fencedBefore: ReadonlySet<string> = new Set(),
  roleWide: RoleWideFence = { enabled: false },
): RenderedFence {
  const policies: PolicyLayout[] = Array.from({ length: policyCount }, () => ({ statements: [], length: DOCUMENT_OVERHEAD }));
  const unfenced: FenceEntry[] = [];
  const wholeRoles = new Map<string, number>();
  const whole = new Map<string, Omit<WholeRole, "fencedAt">>();
  // What the last layout fenced goes first, in the same order as then, so it lands as it did: entries
  // of a burst are fenced in the order their writes arrive, which need not be their fence times'.
  // Their order is the last layout's (fencedBefore's iteration order), not their fence times', which
  // move on when a fence ahead of a deletion is followed by the one after it.
  const rank = new Map([...fencedBefore].map((key, i) => [key, i]));
  const placedFirst = (a: FenceEntry, b: FenceEntry) => (rank.get(fenceKey(a)) ?? rank.size) - (rank.get(fenceKey(b)) ?? rank.size);
  const placed: string[] = [];
  for (const entry of [...entries].sort((a, b) => placedFirst(a, b) || oldestFirst(a, b))) {
    const live = liveKeys.has(fenceKey(entry));
    const pattern = roleArnPattern(entry.accountId, entry.permissionSetName);
    if (!live && wholeRoles.has(pattern)) raiseBound(policies, wholeRoles.get(pattern) as number, pattern, entry.fencedAt);
    else if (!(!live && join(policies, entry, maxChars)) && !open(policies, entry, live, maxChars)) {
      const spared = liveUsersOf(liveKeys, entry);
      const at = !live && roleWide.enabled ? fenceRole(policies, pattern, entry.fencedAt, spared, maxChars) : undefined;
      if (at === undefined) {
        unfenced.push(entry);
        continue;
      }
      wholeRoles.set(pattern, at);
      whole.set(pattern, { accountId: entry.accountId, permissionSetName: entry.permissionSetName, spared: spared.length });
    }
    placed.push(fenceKey(entry));
  }
  return {
    documents: policies.map(documentText),
    unfenced: unfenced.sort(byKey),
    placed,
    roleWide: wholeRoles,
    wholeRoles: [...whole].map(([pattern, role]) => ({ ...role, fencedAt: boundOf(policies, wholeRoles.get(pattern) as number, pattern) })),
    writeOrder: writeOrder(policyCount, wholeRoles, roleWide.before ?? new Map()),
  };
}

/** The users a live grant holds the entry's account and permission set for (see fenceKey), sorted. */
function liveUsersOf(liveKeys: ReadonlySet<string>, entry: FenceEntry): string[] {
  const suffix = `|${entry.accountId}|${entry.permissionSetName}`;
  return [...liveKeys]
    .filter((key) => key.endsWith(suffix))
    .map((key) => key.slice(0, -suffix.length))
    .sort();
}

/**
 * Replaces every per-user statement on the role with one statement for the whole role, in the first
 * policy it then fits; the index of that policy, or undefined (nothing changed) when it fits nowhere.
 * Its bound is the latest of the replaced statements', which denies nothing more of theirs: every
 * other session of the role issued before it belongs to a user whose assignment is gone or going,
 * or to a live grant's user, who is spared.
 */
function fenceRole(policies: PolicyLayout[], pattern: string, fencedAt: number, except: string[], maxChars: number): number | undefined {
  let before = fencedAt;
  const without = policies.map((policy) => {
    const statements: Statement[] = [];
    for (const statement of policy.statements) {
      if (statement.live || statement.except || !statement.patterns.includes(pattern)) {
        statements.push(statement);
        continue;
      }
      before = Math.max(before, statement.before);
      const patterns = statement.patterns.filter((candidate) => candidate !== pattern);
      if (patterns.length > 0) statements.push(measured({ ...statement, patterns }));
    }
    return { statements, length: layoutLength(statements) };
  });
  const whole = measured({ users: [], patterns: [pattern], before, live: false, except });
  const at = without.findIndex((policy) => policy.length + whole.length + (policy.statements.length > 0 ? 1 : 0) <= maxChars);
  if (at < 0) return undefined;
  for (const [i, policy] of without.entries()) policies[i] = policy;
  const target = policies[at] as PolicyLayout;
  target.statements.push(whole);
  target.length = layoutLength(target.statements);
  return at;
}

function boundOf(policies: readonly PolicyLayout[], at: number, pattern: string): number {
  return (policies[at] as PolicyLayout).statements.find((statement) => statement.except && statement.patterns[0] === pattern)?.before ?? 0;
}

/** A later revocation of a role fenced as a whole moves its bound (the length stays: the bound is fixed-width). */
function raiseBound(policies: PolicyLayout[], at: number, pattern: string, fencedAt: number): void {
  const policy = policies[at] as PolicyLayout;
  const i = policy.statements.findIndex((statement) => statement.except && statement.patterns[0] === pattern);
  const statement = policy.statements[i] as Statement;
  if (fencedAt <= statement.before) return;
  policy.statements[i] = measured({ ...statement, before: fencedAt });
  policy.length = layoutLength(policy.statements);
}

function layoutLength(statements: readonly Statement[]): number {
  return DOCUMENT_OVERHEAD + statements.reduce((sum, statement) => sum + statement.length, 0) + Math.max(0, statements.length - 1);
}

function writeOrder(policyCount: number, now: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>): number[] {
  const rank = (index: number) => {
    const gains = [...now].some(([pattern, at]) => at === index && before.get(pattern) !== index);
    const losses = [...before].some(([pattern, at]) => at === index && now.get(pattern) !== index);
    return gains ? 0 : losses ? 2 : 1;
  };
  return Array.from({ length: policyCount }, (_, index) => index).sort((a, b) => rank(a) - rank(b) || a - b);
}

/** Adds the entry to a statement on its role (another user) or of its user (another role), where that fits. */
function join(policies: PolicyLayout[], entry: FenceEntry, maxChars: number): boolean {
  const pattern = roleArnPattern(entry.accountId, entry.permissionSetName);
  const byRole = (statement: Statement) => statement.patterns.length === 1 && statement.patterns[0] === pattern;
  const byUser = (statement: Statement) => statement.users.length === 1 && statement.users[0] === entry.principalId;
  for (const [fits, grow] of [
    [byRole, (statement: Statement) => grown(statement, [...statement.users, entry.principalId], statement.patterns, entry.fencedAt)],
    [byUser, (statement: Statement) => grown(statement, statement.users, [...statement.patterns, pattern], entry.fencedAt)],
  ] as const) {
    for (const policy of policies) {
      for (const [i, statement] of policy.statements.entries()) {
        if (statement.live || statement.except || !fits(statement)) continue;
        const next = grow(statement);
        if (policy.length - statement.length + next.length > maxChars) continue;
        policy.statements[i] = next;
        policy.length += next.length - statement.length;
        return true;
      }
    }
  }
  return false;
}

/** Starts a statement for the entry in the first policy with room for it. */
function open(policies: PolicyLayout[], entry: FenceEntry, live: boolean, maxChars: number): boolean {
  const statement = measured({
    users: [entry.principalId],
    patterns: [roleArnPattern(entry.accountId, entry.permissionSetName)],
    before: entry.fencedAt,
    live,
  });
  for (const policy of policies) {
    const added = statement.length + (policy.statements.length > 0 ? 1 : 0);
    if (policy.length + added > maxChars) continue;
    policy.statements.push(statement);
    policy.length += added;
    return true;
  }
  return false;
}

function grown(statement: Statement, users: string[], patterns: string[], fencedAt: number): Statement {
  return measured({ users, patterns, before: Math.max(statement.before, fencedAt), live: false });
}

function measured(statement: Omit<Statement, "length">): Statement {
  return { ...statement, length: JSON.stringify(statementJson(statement)).length };
}

function documentText(policy: PolicyLayout): string {
  const statements = policy.statements.length === 0 ? [IDLE_STATEMENT] : policy.statements.map(statementJson);
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * Deny everything to these Identity Store users (`identitystore:userId`, present on Identity Center
 * sessions) in sessions of these roles (`aws:PrincipalArn`) issued before the bound
 * (`aws:TokenIssueTime`, whole seconds, rounded up so the revocation's own second is covered).
 * AWS documents this as the way to revoke active sessions: IAM Identity Center user guide,
 * "Use a Deny policy to revoke active user permissions".
 */
function statementJson(group: Pick<Statement, "users" | "patterns" | "before" | "except">) {
  if (group.except) return roleStatementJson(group.patterns, group.before, group.except);
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

/**
 * A role fenced as a whole: every session of it issued before the bound, but those of the spared
 * users. A negated operator holds when the request lacks the key (IAM User Guide, "IAM JSON policy
 * elements: Condition operators"), so a session without `identitystore:userId` is denied too.
 */
function roleStatementJson(patterns: readonly string[], before: number, except: readonly string[]) {
  return {
    Effect: "Deny",
    Action: "*",
    Resource: "*",
    Condition: {
      ArnLike: { "aws:PrincipalArn": oneOrMany(patterns) },
      DateLessThan: { "aws:TokenIssueTime": fenceBound(before) },
      ...(except.length > 0 ? { StringNotEquals: { "identitystore:userId": oneOrMany(except) } } : {}),
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

function byKey(a: FenceEntry, b: FenceEntry): number {
  const left = fenceKey(a);
  const right = fenceKey(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

function oldestFirst(a: FenceEntry, b: FenceEntry): number {
  return a.fencedAt - b.fencedAt || byKey(a, b);
}
