import { InvalidInput } from "./errors.js";

export const MAX_JUSTIFICATION_LENGTH = 1000;

/** Collapses whitespace and enforces a real, bounded reason. */
export function normalizeJustification(text: string): string {
  const normalized = text.replace(/\s+/g, " ").trim();
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
