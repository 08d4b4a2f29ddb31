// What the fake AWS Organizations accepts as an SCP document: valid JSON with at least one Allow or
// Deny statement, at most 5,120 characters ("Quotas for AWS Organizations").
import { AwsServiceError, type JsonObject } from "./fake-aws-protocol.js";
import { constraint } from "./fake-aws-org-wire.js";

export const SCP_CONTENT_LIMIT = 5_120;

/** An SCP is one JSON object with at least one statement, and at most 5,120 characters. */
export function checkContent(content: string): void {
  if (content.length > SCP_CONTENT_LIMIT)
    throw constraint("POLICY_CONTENT_LIMIT_EXCEEDED", "You attempted to create a policy that is larger than the maximum size.");
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch {
    document = undefined;
  }
  const statements = typeof document === "object" && document !== null ? (document as JsonObject).Statement : undefined;
  const list = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
  const wellFormed =
    list.length > 0 &&
    list.every((s) => typeof s === "object" && s !== null && ["Allow", "Deny"].includes((s as JsonObject).Effect as string));
  if (!wellFormed) {
    throw new AwsServiceError(
      "MalformedPolicyDocumentException",
      "The provided policy document doesn't meet the requirements of the specified policy type.",
    );
  }
}
