// Turns a failed check into the `response_action: "errors"` answer that shows the message on the
// field the person has to fix, so a modal is never closed on them with their input lost.
import { isAppError, type AppErrorKind, type RequestField } from "../../domain/errors.js";
import { truncate } from "./parts.js";

/** The block ids of the inputs in jit-slack's modals: the request form's fields, and the deny reason. */
export type FormField = RequestField | "reason";
const FORM_FIELDS: readonly FormField[] = ["account", "permission_set", "group", "duration", "justification", "ticket", "reason"];

/** The acknowledgement Bolt's `ack()` takes for a view submission (ViewErrorsResponseAction). */
export interface ViewErrors {
  readonly response_action: "errors";
  readonly errors: Record<string, string>;
}

// Slack shows field errors under the input as plain text: nothing is parsed, but a long one is cut.
const MESSAGE_LIMIT = 250;

/** Errors that are about what the person entered; the others (Conflict, ProviderError) are not theirs to fix. */
const INPUT_KINDS: readonly AppErrorKind[] = ["InvalidInput", "PolicyDenied", "NotFound"];

export function viewErrors(messages: Partial<Record<FormField, string>>): ViewErrors {
  const errors: Record<string, string> = {};
  for (const field of FORM_FIELDS) {
    const message = messages[field];
    if (message !== undefined) errors[field] = truncate(message, MESSAGE_LIMIT);
  }
  return { response_action: "errors", errors };
}

/**
 * The answer showing `error` on its field: the one the error names (AppError.field), else
 * `fallback`. Undefined when the error is not about the input (Conflict, ProviderError, anything
 * unexpected) or no field is known; the caller then closes the modal and reports it as usual.
 */
export function fieldErrors(error: unknown, fallback?: FormField): ViewErrors | undefined {
  if (!isAppError(error) || !INPUT_KINDS.includes(error.kind)) return undefined;
  const field = error.field ?? fallback;
  return field === undefined ? undefined : viewErrors({ [field]: error.message });
}
