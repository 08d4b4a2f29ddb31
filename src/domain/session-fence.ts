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
): RenderedFence {
  const policies: PolicyLayout[] = Array.from({ length: policyCount }, () => ({ statements: [], length: DOCUMENT_OVERHEAD }));
  const unfenced: FenceEntry[] = [];
  // What the last layout fenced goes first, in the same order as then, so it lands as it did: entries
  // of a burst are fenced in the order their writes arrive, which need not be their fence times'.
  const placedFirst = (entry: FenceEntry) => (fencedBefore.has(fenceKey(entry)) ? 0 : 1);
  for (const entry of [...entries].sort((a, b) => placedFirst(a) - placedFirst(b) || oldestFirst(a, b))) {
    const live = liveKeys.has(fenceKey(entry));
    if (!(live ? false : join(policies, entry, maxChars)) && !open(policies, entry, live, maxChars)) unfenced.push(entry);
  }
  return { documents: policies.map(documentText), unfenced: unfenced.sort(byKey) };
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
        if (statement.live || !fits(statement)) continue;
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
function statementJson(group: Pick<Statement, "users" | "patterns" | "before">) {
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

function byKey(a: FenceEntry, b: FenceEntry): number {
  const left = fenceKey(a);
  const right = fenceKey(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

function oldestFirst(a: FenceEntry, b: FenceEntry): number {
  return a.fencedAt - b.fencedAt || byKey(a, b);
}
