// What the `/jit` form holds, read from `view.state.values` without trusting its shape.
import { MAX_TARGETS_LIMIT } from "../../domain/request-bundle.js";
import { hasBlock, selectedValue, selectedValues, typedValue } from "./view-state.js";
import { viewErrors, type FormField, type ViewErrors } from "./field-errors.js";

export interface RequestSubmission {
  /** The (first) account chosen. */
  readonly accountId?: string;
  /** Every account chosen, when the field takes several (maxTargetsPerRequest above 1). */
  readonly accountIds?: readonly string[];
  readonly permissionSet?: string;
  readonly permissionSets?: readonly string[];
  /** "account" or "group" (group-fields.ts), where the form asks; a claim like the rest. */
  readonly kind?: string;
  /** The GroupId chosen, where the form asks for a group. */
  readonly group?: string;
  /** As offered by the form: "30m", "1h30m", "1d". */
  readonly duration?: string;
  readonly justification?: string;
  readonly ticket?: string;
}

export interface CompleteRequest {
  /** Set for a group's membership; accounts and permission sets are then empty. */
  readonly group?: string;
  readonly accountIds: readonly string[];
  readonly permissionSets: readonly string[];
  readonly duration: string;
  readonly justification: string;
  readonly ticket: string | null;
}

/** Reads the form's fields; a field that is missing, empty or of the wrong shape is left out. */
export function readRequestSubmission(values: unknown): RequestSubmission {
  const accountIds = selectedValues(values, "account", MAX_TARGETS_LIMIT);
  const permissionSets = selectedValues(values, "permission_set", MAX_TARGETS_LIMIT);
  const fields = {
    accountId: selectedValue(values, "account") ?? accountIds?.[0],
    accountIds,
    permissionSet: selectedValue(values, "permission_set") ?? permissionSets?.[0],
    permissionSets,
    // A form that offers only groups has no "kind" field; its group field says what it asks for.
    kind: selectedValue(values, "kind") ?? (hasBlock(values, "group") ? "group" : undefined),
    group: selectedValue(values, "group", MAX_GROUP_ID_LENGTH),
    duration: selectedValue(values, "duration"),
    justification: typedValue(values, "justification"),
    ticket: typedValue(values, "ticket"),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as RequestSubmission;
}

/** A GroupId is at most 47 characters (https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_Group.html). */
const MAX_GROUP_ID_LENGTH = 47;

const MISSING: Readonly<
  Record<Exclude<keyof RequestSubmission, "ticket" | "accountIds" | "permissionSets" | "kind" | "group">, [FormField, string]>
> = {
  accountId: ["account", "Choose an account."],
  permissionSet: ["permission_set", "Choose a permission set."],
  duration: ["duration", "Choose how long you need the access."],
  justification: ["justification", "Say why you need this access."],
};

/** The request when every required field is there, or the errors naming the missing ones. */
export function requireRequestFields(submission: RequestSubmission): CompleteRequest | ViewErrors {
  if (submission.kind === "group") return requireGroupFields(submission);
  const { accountId, permissionSet, duration, justification } = submission;
  if (accountId !== undefined && permissionSet !== undefined && duration !== undefined && justification !== undefined) {
    return {
      accountIds: submission.accountIds ?? [accountId],
      permissionSets: submission.permissionSets ?? [permissionSet],
      duration,
      justification,
      ticket: submission.ticket ?? null,
    };
  }
  const missing = Object.entries(MISSING).filter(([key]) => submission[key as keyof RequestSubmission] === undefined);
  return viewErrors(Object.fromEntries(missing.map(([, [field, message]]) => [field, message])));
}

function requireGroupFields(submission: RequestSubmission): CompleteRequest | ViewErrors {
  const { group, duration, justification } = submission;
  if (group !== undefined && duration !== undefined && justification !== undefined) {
    return { group, accountIds: [], permissionSets: [], duration, justification, ticket: submission.ticket ?? null };
  }
  const missing: Partial<Record<FormField, string>> = {
    ...(group === undefined ? { group: "Choose a group." } : {}),
    ...(duration === undefined ? { duration: MISSING.duration[1] } : {}),
    ...(justification === undefined ? { justification: MISSING.justification[1] } : {}),
  };
  return viewErrors(missing);
}
