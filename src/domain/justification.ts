import { InvalidInput } from "./errors.js";

export const MAX_JUSTIFICATION_LENGTH = 1000;

/**
 * Unicode format characters (\p{Cf}): zero-width spaces and joiners, bidi overrides and isolates,
 * soft hyphens, tag characters. They show nothing themselves, but can pad a reason to a required
 * length or make it read differently from what is stored (U+202E shows what follows backwards).
 */
const FORMAT_CHARACTERS = /\p{Cf}/gu;

/**
 * A character with ink of its own: not whitespace, a control or format character, a combining
 * mark or an emoji modifier (those only decorate the character before them), nor one of the letters
 * and symbols drawn as blanks (the Hangul fillers, the blank Braille pattern).
 */
const INKED = /[^\s\p{Cc}\p{Cf}\p{M}\p{Emoji_Modifier}\u115F\u1160\u3164\uFFA0\u2800]/gu;

/**
 * Free text as stored: format characters are dropped, control characters count as whitespace (they
 * mean nothing in a reason, and PostgreSQL cannot store NUL), and each run of whitespace becomes one
 * space.
 */
export function plainText(text: string): string {
  return text
    .replace(FORMAT_CHARACTERS, "")
    .replace(/[\s\p{Cc}]+/gu, " ")
    .trim();
}

/** How many characters a reader sees: spaces and blanks do not count, nor marks on another character. */
export function visibleLength(text: string): number {
  return text.match(INKED)?.length ?? 0;
}

/** Collapses whitespace and enforces a real, bounded reason. */
export function normalizeJustification(text: string): string {
  const normalized = plainText(text);
  if (visibleLength(normalized) === 0) {
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
