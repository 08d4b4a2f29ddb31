// Policy entries that name a mailbox rather than a person. Whoever can read such a mailbox can
// confirm it as their Slack email and then acts as that entry, so these deserve a warning.
import { describeRef, type PrincipalRef } from "./people.js";
import type { Policy } from "./policy.js";

/** Local parts that usually belong to a team, a rota or a role rather than to one person. */
const ROLE_LOCAL_PART =
  /^(?:admins?|administrators?|alerts?|aws|billing|cloud|devops|engineering|help|helpdesk|info|infra|it|noc|no-?reply|on-?call|ops|platform|root|sec|security|soc|sre|support|sysadmins?|team)(?:[-_.+].*)?$|[-_.](?:team|leads?|on-?call|admins?|ops|group|list|rota)$/;

export interface SharedAddress {
  /** Where the policy names it, e.g. `rule "engineers" approvers[2]` or `admins[0]` (logs mask the address itself). */
  readonly where: string;
  readonly email: string;
}

export function looksShared(email: string, patterns: readonly RegExp[]): boolean {
  const local = email.split("@")[0] ?? "";
  return ROLE_LOCAL_PART.test(local.toLowerCase()) || patterns.some((pattern) => pattern.test(email));
}

/** Every email entry in the policy that looks like a shared or role address. */
export function sharedAddresses(policy: Policy): SharedAddress[] {
  const lists: [string, readonly PrincipalRef[]][] = [
    ["admins", policy.admins],
    ...policy.rules.flatMap((rule): [string, readonly PrincipalRef[]][] => [
      [`rule "${rule.name}" requesters`, rule.requesters],
      [`rule "${rule.name}" approvers`, rule.approvers],
      [`rule "${rule.name}" breakGlass`, rule.breakGlass],
    ]),
  ];
  return lists.flatMap(([list, refs]) =>
    refs.flatMap((ref, index) =>
      ref.kind === "email" && looksShared(ref.email, policy.sharedAddressPatterns)
        ? [{ where: `${list}[${index}]`, email: describeRef(ref) }]
        : [],
    ),
  );
}

/** The warning for one, worded once for start-up and policy:check. */
export function sharedAddressWarning(shared: SharedAddress): string {
  return (
    `${shared.where}: ${shared.email} looks like a shared or role address; whoever can read that mailbox can confirm it ` +
    "as their Slack email and act as this entry. Name people by Slack user id (U…) or a Slack user group (usergroup:S…) instead."
  );
}
