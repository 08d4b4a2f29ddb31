// Turns AWS SDK failures into ProviderError, deciding once whether retrying can help.
import { ProviderError } from "../domain/errors.js";

const RETRYABLE_CODES = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "InternalServerException",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "ConflictException",
  // Organizations: "You have sent too many requests" is TooManyRequestsException (above); "the target
  // of the operation is currently being modified by a different request. Try again later." and its
  // internal failures are retryable too; everything else it answers (limits, access, malformed
  // policies) is a definite answer (Organizations API reference, Common Errors of each operation).
  "ConcurrentModificationException",
  "ServiceException",
  "FinalizingOrganizationException",
  "TimeoutError",
  "RequestTimeout",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
}

export function errorCode(error: unknown): string {
  const shape = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  return shape.code && RETRYABLE_CODES.has(shape.code) ? shape.code : (shape.name ?? "UnknownError");
}

export function toProviderError(error: unknown, action: string): ProviderError {
  if (error instanceof ProviderError) return error;
  const shape = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  const code = errorCode(error);
  const status = shape.$metadata?.httpStatusCode;
  const retryable = RETRYABLE_CODES.has(code) || shape.$fault === "server" || (status !== undefined && status >= 500);
  const message = shape.message ? `${action} failed: ${code}: ${shape.message}` : `${action} failed: ${code}`;
  return new ProviderError(message, code, retryable);
}
