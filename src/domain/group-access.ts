// Identity Center groups a rule may grant membership of, and what a group gives its members.

/** An Identity Store group, as resolved at start from the name or id the policy gives. */
export interface IdentityGroup {
  readonly groupId: string;
  readonly displayName: string;
}

/** One account assignment a group holds: membership gives its members this permission set on this account. */
export interface GroupAccess {
  readonly accountId: string;
  readonly permissionSetName: string;
}

/** A group by its DisplayName (case-insensitive) or its GroupId (exact). */
export function findGroup(groups: readonly IdentityGroup[], ref: string): IdentityGroup | undefined {
  const wanted = ref.trim();
  return (
    groups.find((group) => group.groupId === wanted) ?? groups.find((group) => group.displayName.toLowerCase() === wanted.toLowerCase())
  );
}

/** Whether the policy's reference (a name or an id) names this group. */
export function namesGroup(ref: string, group: IdentityGroup): boolean {
  return ref === group.groupId || ref.toLowerCase() === group.displayName.toLowerCase();
}
