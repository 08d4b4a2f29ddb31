// The small set of typed errors the app speaks; slack/ maps each to one user-facing message.

export type AppErrorKind = "InvalidInput" | "PolicyDenied" | "NotFound" | "Conflict" | "ProviderError";

export abstract class AppError extends Error {
  abstract readonly kind: AppErrorKind;
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

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
