// A policy whose rule also DMs each approver (notifyApprovers), asks for a justification of at
// least 10 characters and lets a request wait 30 minutes for a decision.
import { APPROVALS, people, PROD, SANDBOX } from "./world.js";

export const NOTIFYING_POLICY = `
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${SANDBOX}", name: sandbox }
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: engineers
    accounts: [prod, sandbox]
    permissionSets: [AdministratorAccess, ReadOnlyAccess]
    requesters: [${people.alice.slackId}]
    approvers: [${people.bob.slackId}, ${people.dave.email}]
    notifyApprovers: true
    approverChannel: ${APPROVALS}
    justificationMinLength: 10
    approvalTimeout: 30m
    maxDuration: 4h
`;
