// The small set of typed errors the app speaks; slack/ maps each to one user-facing message.

export type AppErrorKind = "InvalidInput" | "PolicyDenied" | "NotFound" | "Conflict" | "ProviderError";

/** The part of a request form an error is about, so a form can show it next to that field. */
export type RequestField = "account" | "permission_set" | "group" | "duration" | "justification" | "ticket";

export abstract class AppError extends Error {
  abstract readonly kind: AppErrorKind;
  constructor(
    message: string,
    readonly field?: RequestField,
  ) {
    super(message);
  }
}

/** What the person typed or sent cannot be used as it is. */
export class InvalidInput extends AppError {
  readonly kind = "InvalidInput";
}

/** Policy does not allow this person to do this. */
export class PolicyDenied extends AppError {
  readonly kind = "PolicyDenied";
}

export class NotFound extends AppError {
  readonly kind = "NotFound";
}

/** The thing changed under us: already decided, already revoked, someone else got there first. */
export class Conflict extends AppError {
  readonly kind = "Conflict";
}

/** The access provider (AWS) refused or failed. `retryable` separates outages from definite answers. */
export class ProviderError extends AppError {
  readonly kind = "ProviderError";
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Echoes what someone typed back to them, cut short: an error must stay readable whatever they sent. */
export function quoted(text: string, max = 60): string {
  const oneLine = text.replace(/\s+/g, " ");
  return `"${oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine}"`;
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** What went wrong, in words, from anything thrown: an Error's message, or the value itself. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
