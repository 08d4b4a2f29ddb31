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
