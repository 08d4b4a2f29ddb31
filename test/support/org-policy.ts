// A policy taking its accounts from AWS Organizations, with one rule covering the Workloads OU.
import { APPROVALS, people } from "./world.js";

/** `organization` is the organization section's own lines (each indented by two spaces). */
export function workloadsPolicy(organization: string, permissionSets = "[AdministratorAccess, ReadOnlyAccess]"): string {
  return `
organization:
  accounts: aws
${organization}
permissionSets: ${permissionSets}
rules:
  - name: workloads
    accounts: ["ou:/Root/Workloads"]
    permissionSets: [ReadOnlyAccess]
    requesters: [${people.alice.slackId}]
    approvers: [${people.bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
`;
}
