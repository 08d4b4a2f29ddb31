// The durations a select offers: a fixed ladder up to a maximum, plus the maximum itself.
import type { PlainTextOption } from "@slack/types";
import { formatDuration, parseDuration } from "../../domain/duration.js";
import { durationWords, option } from "./parts.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const LADDER = [
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  4 * HOUR,
  8 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  3 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];

/** Durations in milliseconds, ascending, none above `maxMs` (cut to the minute); empty under a minute. */
export function durationChoices(maxMs: number): number[] {
  const max = Math.floor(maxMs / MINUTE) * MINUTE;
  if (max < MINUTE) return [];
  const choices = LADDER.filter((ms) => ms < max);
  return [...choices, max];
}

/** Options whose values ("30m", "1h30m", "2d") parseDuration reads back. */
export function durationOptions(maxMs: number): PlainTextOption[] {
  return durationChoices(maxMs).map((ms) => option(durationWords(ms), formatDuration(ms)));
}

/** The option meaning the same time as `typed` ("60m" finds "1h"), if there is one. */
export function matchingDuration(options: readonly PlainTextOption[], typed: string | undefined): PlainTextOption | undefined {
  const ms = msOf(typed);
  return ms === undefined ? undefined : options.find((candidate) => msOf(candidate.value) === ms);
}

function msOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}
