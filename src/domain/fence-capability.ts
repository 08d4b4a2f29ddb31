// Where the session fence can end role sessions at revocation, and where sessions outlive a grant.
// SCPs never apply to the management account, and only work with all features and the SCP policy
// type enabled (AWS Organizations guide, "Service control policies": "SCPs don't affect users or
// roles in the management account").

export type FenceMode = "scp" | "off";

/** Where the bot attaches its fence policies: the organization root, or each account the policy names. */
export type FenceAttachment = "root" | "accounts";

export interface SessionFenceSettings {
  readonly mode: FenceMode;
  /** The service control policies the bot owns and rewrites, in the order they are filled. */
  readonly policyNames: readonly string[];
  readonly attachTo: FenceAttachment;
  /** When the policies cannot hold every revoked user: fence a role as a whole (session-fence.ts, RoleWideFence), or leave them unfenced. */
  readonly whenFull: "fence-role" | "leave-unfenced";
}

/** What the bot found out at start about fencing in this organization. */
export interface FenceFacts {
  readonly mode: FenceMode;
  /** Why no fence can work anywhere (all features off, SCP policy type disabled, no permission), or null. */
  readonly unavailable: string | null;
  /** The organization's management account, which SCPs never reach; null when unknown. */
  readonly managementAccountId: string | null;
  /** Each policy permission set's session duration in ms (DescribePermissionSet SessionDuration). */
  readonly sessionDurationMs: ReadonlyMap<string, number>;
}

/** The longest session Identity Center allows (12 h): assumed when a permission set's duration is unknown. */
export const LONGEST_SESSION_MS = 12 * 60 * 60_000;

/** Why sessions on a target would outlive its grants. */
export type FenceGapReason = "fence-off" | "fence-unavailable" | "management-account";

export interface FenceGap {
  readonly accountId: string;
  readonly permissionSet: string;
  readonly reason: FenceGapReason;
  /** How long a role session opened just before the grant ends stays valid after it. */
  readonly sessionDurationMs: number;
}

export function sessionDurationOf(facts: FenceFacts, permissionSet: string): number {
  return facts.sessionDurationMs.get(permissionSet) ?? LONGEST_SESSION_MS;
}

/** Null when revoking a grant on this target also ends its role sessions; else why not. */
export function fenceGap(facts: FenceFacts, accountId: string, permissionSet: string): FenceGap | null {
  const reason = gapReason(facts, accountId);
  return reason ? { accountId, permissionSet, reason, sessionDurationMs: sessionDurationOf(facts, permissionSet) } : null;
}

export function fenceApplies(facts: FenceFacts, accountId: string): boolean {
  return gapReason(facts, accountId) === null;
}

function gapReason(facts: FenceFacts, accountId: string): FenceGapReason | null {
  if (facts.mode === "off") return "fence-off";
  if (facts.unavailable !== null) return "fence-unavailable";
  if (facts.managementAccountId === accountId) return "management-account";
  return null;
}

/** Facts for a bot that does not fence (tests, and mode off before anything is asked of AWS). */
export function noFence(sessionDurationMs: ReadonlyMap<string, number> = new Map()): FenceFacts {
  return { mode: "off", unavailable: null, managementAccountId: null, sessionDurationMs };
}

/**
 * Until when a role session opened at `at` on this target stays valid, or null when revoking the
 * grant ends it (the fence applies): a session lasts the permission set's session duration.
 */
export function sessionsValidUntil(facts: FenceFacts, accountId: string, permissionSet: string, at: number): number | null {
  return fenceApplies(facts, accountId) ? null : at + sessionDurationOf(facts, permissionSet);
}

/** Whether the permission set's session duration was found out, rather than assumed to be the longest. */
export function sessionDurationKnown(facts: FenceFacts, permissionSet: string): boolean {
  return facts.sessionDurationMs.has(permissionSet);
}

/** Why the fence cannot end role sessions on the gap's target, as a clause for a sentence about it. */
export function fenceGapCause(facts: FenceFacts, gap: FenceGap): string {
  switch (gap.reason) {
    case "fence-off":
      return "the session fence is off (sessionFence.mode: off in the policy)";
    case "fence-unavailable":
      return `the session fence cannot work in this organization: ${facts.unavailable ?? "service control policies are unavailable"}`;
    case "management-account":
      return "it is the organization's management account, which service control policies never reach";
  }
}
