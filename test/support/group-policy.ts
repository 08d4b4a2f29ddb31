// A policy whose rule "teams" offers the Identity Center group prod-admins to alice, approved by bob,
// and the group in the fake AWS: assigned AdministratorAccess on prod and ReadOnlyAccess on sandbox.
import { APPROVALS, DEFAULT_POLICY, people, PROD, SANDBOX, type World } from "./world.js";

export const GROUP = "prod-admins";

export const GROUP_POLICY = `${DEFAULT_POLICY.trimEnd()}
  - name: teams
    groups: [${GROUP}]
    requesters: [${people.alice.slackId}]
    approvers: [${people.bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
`;

/** Adds the group to the world's fake AWS; returns its GroupId. */
export function addGroup(world: World): string {
  const groupId = world.aws.addGroup(GROUP);
  const assigned = (accountId: string, permissionSetArn: string) =>
    world.aws.addAssignment({ accountId, permissionSetArn, principalId: groupId, principalType: "GROUP" });
  assigned(PROD, world.permissionSets.AdministratorAccess);
  assigned(SANDBOX, world.permissionSets.ReadOnlyAccess);
  return groupId;
}
