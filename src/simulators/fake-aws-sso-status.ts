// ListAccountAssignmentCreationStatus / ListAccountAssignmentDeletionStatus for the fake SSO Admin
// (IAM Identity Center API Reference, "ListAccountAssignmentCreationStatus" and
// "ListAccountAssignmentDeletionStatus"): request `{ InstanceArn, Filter?: { Status }, MaxResults?,
// NextToken? }`, MaxResults 1–100; answer `{ AccountAssignmentsCreationStatus |
// AccountAssignmentsDeletionStatus: [{ Status, RequestId, CreatedDate }], NextToken? }`. The entries are
// AccountAssignmentOperationStatusMetadata: no FailureReason, no target; only Describe…Status says why
// an operation failed.
//
// The reference says neither how long a status stays listed nor in what order; this fake lists every
// operation of its lifetime, most recent first. Listing is a status check like a Describe…Status: the
// first page of a listing (no NextToken) moves every IN_PROGRESS operation of that kind one poll on
// (see `inProgressPolls` in fake-aws-sso.ts) before filtering; the following pages of that listing
// leave them alone, so its offsets stay put.

import { optionalObject, optionalString, paginate, requireString, validationError, type JsonObject } from "./fake-aws-protocol.js";
import {
  notFound,
  type AssignmentOperationKind,
  type AssignmentStatus,
  type IdentityCenterState,
  type JsonHandler,
} from "./fake-aws-sso.js";

const STATUSES: readonly AssignmentStatus[] = ["IN_PROGRESS", "FAILED", "SUCCEEDED"];

function statusFilter(input: JsonObject): AssignmentStatus | undefined {
  const status = optionalString(optionalObject(input, "Filter"), "Status");
  if (status === undefined) return undefined;
  const known = STATUSES.find((s) => s === status);
  if (!known) throw validationError("Filter.Status", status, `Member must satisfy enum value set: [${STATUSES.join(", ")}]`);
  return known;
}

function listStatuses(state: IdentityCenterState, kind: AssignmentOperationKind, input: JsonObject) {
  const arn = requireString(input, "InstanceArn");
  if (arn !== state.instanceArn) throw notFound(`Instance ${arn} does not exist.`);
  const filter = statusFilter(input);
  const operations = [...state.operations.values()].filter((op) => op.kind === kind).reverse();
  if (input.NextToken === undefined) {
    for (const op of operations) if (op.status === "IN_PROGRESS") state.pollOperation(kind, op.requestId);
  }
  const matching = operations.filter((op) => filter === undefined || op.status === filter);
  const { page, nextToken } = paginate(matching, input, `ListAccountAssignment${kind}Status|${filter ?? ""}`);
  return {
    statuses: page.map((op) => ({ Status: op.status, RequestId: op.requestId, CreatedDate: op.createdDate })),
    nextToken,
  };
}

export function assignmentStatusListHandlers(state: IdentityCenterState): Record<string, JsonHandler> {
  return {
    ListAccountAssignmentCreationStatus: (input) => {
      const { statuses, nextToken } = listStatuses(state, "creation", input);
      return { AccountAssignmentsCreationStatus: statuses, NextToken: nextToken };
    },
    ListAccountAssignmentDeletionStatus: (input) => {
      const { statuses, nextToken } = listStatuses(state, "deletion", input);
      return { AccountAssignmentsDeletionStatus: statuses, NextToken: nextToken };
    },
  };
}
