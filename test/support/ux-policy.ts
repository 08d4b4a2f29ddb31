// A policy that exercises the request UX: quorum, tickets, auto-approval, break-glass, extensions.
import { APPROVALS, PROD, SANDBOX } from "./world.js";

export const UX_POLICY = `
admins: [U0MALLORY]
accountGroups:
  nonprod: [sandbox]
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${SANDBOX}", name: sandbox }
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: prod-admin
    accounts: [prod]
    permissionSets: [AdministratorAccess]
    requesters: [U0ALICE]
    breakGlass: [carol@example.com]
    approvers: [U0BOB, dave@example.com]
    approvalsRequired: 2
    approverChannel: ${APPROVALS}
    maxDuration: 2h
    approvalTimeout: 30m
    ticket: { required: true, pattern: "^[A-Z]+-\\\\d+$" }
    justificationMinLength: 10
  - name: sandbox-auto
    accounts: [group:nonprod]
    permissionSets: ["*"]
    requesters: [U0ALICE, U0CAROL]
    approvers: [U0BOB]
    approverChannel: ${APPROVALS}
    autoApprove: always
    maxDuration: 4h
    maxTotalDuration: 6h
  - name: read-anything
    accounts: ["*"]
    permissionSets: [ReadOnlyAccess]
    requesters: [U0ALICE, U0CAROL]
    approvers: [U0BOB]
    approverChannel: ${APPROVALS}
    maxDuration: 8h
    maxTotalDuration: 9h
`;
