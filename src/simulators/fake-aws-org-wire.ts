// What every fake Organizations operation answers alike: its errors (`Message` plus, for
// ConstraintViolationException and InvalidInputException, a `Reason`), required members, and pages
// of at most 20 (the service model's MaxResults: min 1, max 20, shared by every List* operation;
// botocore data/organizations/2016-11-28/service-2.json).
import { AwsServiceError, paginate, type JsonObject } from "./fake-aws-protocol.js";

export const ORG_PAGE_LIMIT = 20;

export function constraint(reason: string, message: string): AwsServiceError {
  return new AwsServiceError("ConstraintViolationException", message, 400, { Reason: reason });
}

export function invalidInput(reason: string, message: string): AwsServiceError {
  return new AwsServiceError("InvalidInputException", message, 400, { Reason: reason });
}

export function required(input: JsonObject, member: string): string {
  const value = input[member];
  if (typeof value !== "string" || value === "") throw invalidInput("INPUT_REQUIRED", `You must include a value for ${member}.`);
  return value;
}

/** A page of `items`; Organizations answers a bad MaxResults or token with InvalidInputException. */
export function orgPage<T>(items: readonly T[], input: JsonObject, scope: string): { page: T[]; nextToken: string | undefined } {
  try {
    return paginate(items, input, scope, ORG_PAGE_LIMIT);
  } catch (error) {
    if (error instanceof AwsServiceError && error.code === "ValidationException") {
      throw invalidInput(input.NextToken === undefined ? "INVALID_INPUT" : "INVALID_NEXT_TOKEN", error.message);
    }
    throw error;
  }
}
