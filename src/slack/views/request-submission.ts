// What the `/jit` form holds, read from `view.state.values` without trusting its shape.
import { MAX_TARGETS_LIMIT } from "../../domain/request-bundle.js";
import { selectedValue, selectedValues, typedValue } from "./view-state.js";
import { viewErrors, type FormField, type ViewErrors } from "./field-errors.js";

export interface RequestSubmission {
  /** The (first) account chosen. */
  readonly accountId?: string;
  /** Every account chosen, when the field takes several (maxTargetsPerRequest above 1). */
  readonly accountIds?: readonly string[];
  readonly permissionSet?: string;
  readonly permissionSets?: readonly string[];
  /** As offered by the form: "30m", "1h30m", "1d". */
  readonly duration?: string;
  readonly justification?: string;
  readonly ticket?: string;
}

export interface CompleteRequest {
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
    duration: selectedValue(values, "duration"),
    justification: typedValue(values, "justification"),
    ticket: typedValue(values, "ticket"),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as RequestSubmission;
}

const MISSING: Readonly<Record<Exclude<keyof RequestSubmission, "ticket" | "accountIds" | "permissionSets">, [FormField, string]>> = {
  accountId: ["account", "Choose an account."],
  permissionSet: ["permission_set", "Choose a permission set."],
  duration: ["duration", "Choose how long you need the access."],
  justification: ["justification", "Say why you need this access."],
};

/** The request when every required field is there, or the errors naming the missing ones. */
export function requireRequestFields(submission: RequestSubmission): CompleteRequest | ViewErrors {
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
