// What the `/jit` form holds, read from `view.state.values` without trusting its shape.
import { selectedValue, typedValue } from "./view-state.js";
import { viewErrors, type FormField, type ViewErrors } from "./field-errors.js";

export interface RequestSubmission {
  readonly accountId?: string;
  readonly permissionSet?: string;
  /** As offered by the form: "30m", "1h30m", "1d". */
  readonly duration?: string;
  readonly justification?: string;
  readonly ticket?: string;
}

export interface CompleteRequest {
  readonly accountId: string;
  readonly permissionSet: string;
  readonly duration: string;
  readonly justification: string;
  readonly ticket: string | null;
}

/** Reads the form's fields; a field that is missing, empty or of the wrong shape is left out. */
export function readRequestSubmission(values: unknown): RequestSubmission {
  const fields = {
    accountId: selectedValue(values, "account"),
    permissionSet: selectedValue(values, "permission_set"),
    duration: selectedValue(values, "duration"),
    justification: typedValue(values, "justification"),
    ticket: typedValue(values, "ticket"),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as RequestSubmission;
}

const MISSING: Readonly<Record<Exclude<keyof RequestSubmission, "ticket">, [FormField, string]>> = {
  accountId: ["account", "Choose an account."],
  permissionSet: ["permission_set", "Choose a permission set."],
  duration: ["duration", "Choose how long you need the access."],
  justification: ["justification", "Say why you need this access."],
};

/** The request when every required field is there, or the errors naming the missing ones. */
export function requireRequestFields(submission: RequestSubmission): CompleteRequest | ViewErrors {
  const { accountId, permissionSet, duration, justification } = submission;
  if (accountId !== undefined && permissionSet !== undefined && duration !== undefined && justification !== undefined) {
    return { accountId, permissionSet, duration, justification, ticket: submission.ticket ?? null };
  }
  const missing = Object.entries(MISSING).filter(([key]) => submission[key as keyof RequestSubmission] === undefined);
  return viewErrors(Object.fromEntries(missing.map(([, [field, message]]) => [field, message])));
}
