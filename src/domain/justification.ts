import { InvalidInput } from "./errors.js";

export const MAX_JUSTIFICATION_LENGTH = 1000;

/**
 * Free text as stored: control characters count as whitespace (they mean nothing in a reason, and
 * PostgreSQL cannot store NUL), and each run of whitespace becomes one space.
 */
export function plainText(text: string): string {
  return text.replace(/[\s\p{Cc}]+/gu, " ").trim();
}

/** Collapses whitespace and enforces a real, bounded reason. */
export function normalizeJustification(text: string): string {
  const normalized = plainText(text);
  if (normalized === "") {
    throw new InvalidInput("A justification is required: say why you need this access.", "justification");
  }
  if (normalized.length > MAX_JUSTIFICATION_LENGTH) {
    throw new InvalidInput(
      `The justification is ${normalized.length} characters long; keep it under ${MAX_JUSTIFICATION_LENGTH}.`,
      "justification",
    );
  }
  return normalized;
}
