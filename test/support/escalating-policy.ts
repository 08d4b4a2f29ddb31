// A policy whose rule escalates to Dave (by direct message) after 15 minutes, reminds every 10
// minutes, lets Carol approve silently, and DMs Bob, its one named approver.
import { APPROVALS, people, PROD, SANDBOX } from "./world.js";

export const ESCALATING_POLICY = `
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${SANDBOX}", name: sandbox }
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: engineers
    accounts: [prod, sandbox]
    permissionSets: [AdministratorAccess, ReadOnlyAccess]
    requesters: [${people.alice.slackId}]
    approvers: [${people.bob.slackId}]
    silentApprovers: [${people.carol.slackId}]
    notifyApprovers: true
    escalateTo: { approvers: [${people.dave.email}] }
    escalateAfter: 15m
    remindEvery: 10m
    approverChannel: ${APPROVALS}
    approvalTimeout: 1h
    maxDuration: 4h
`;
