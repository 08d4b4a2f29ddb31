// Durations as people type them: "30m", "2h", "1h30m", "1d". Stored and computed as milliseconds.
import { InvalidInput, quoted } from "./errors.js";

const MINUTE = 60_000;
const UNIT_MS = { d: 24 * 60 * MINUTE, h: 60 * MINUTE, m: MINUTE } as const;
const DURATION_PATTERN = /^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?$/;
const DEMO_PATTERN = /^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?$/;

// Seconds ("20s") exist only so the demo (src/demo/) can show an expiry within a minute. No
// environment variable or policy key reaches this switch: only the demo's entry point calls it,
// and the production build (tsconfig.build.json) leaves src/demo out.
let secondsAllowed = false;

/** For `npm run demo` only: durations may be given, and are shown, in seconds too. */
export function allowSecondDurationsForDemo(): void {
  secondsAllowed = true;
}

export function parseDuration(text: string): number {
  const normalized = text.trim().toLowerCase();
  const match = (secondsAllowed ? DEMO_PATTERN : DURATION_PATTERN).exec(normalized);
  if (normalized === "" || !match) {
    throw new InvalidInput(`${quoted(text)} is not a duration. Use minutes and hours like 30m, 2h or 1h30m.`, "duration");
  }
  const [, days, hours, minutes, seconds] = match;
  const ms =
    Number(days ?? 0) * UNIT_MS.d + Number(hours ?? 0) * UNIT_MS.h + Number(minutes ?? 0) * UNIT_MS.m + Number(seconds ?? 0) * 1000;
  if (ms <= 0) {
    throw new InvalidInput(`The duration must be longer than zero (got ${quoted(text)}).`, "duration");
  }
  return ms;
}

/** "1h30m", "45m", "2d4h": the shortest rendering to the minute, in the same form people type. */
export function formatDuration(ms: number): string {
  if (secondsAllowed && ms % MINUTE !== 0) return formatWithSeconds(ms);
  let minutes = Math.round(ms / MINUTE);
  const days = Math.floor(minutes / (24 * 60));
  minutes -= days * 24 * 60;
  const hours = Math.floor(minutes / 60);
  minutes -= hours * 60;
  const parts = [days && `${days}d`, hours && `${hours}h`, minutes && `${minutes}m`].filter(Boolean);
  return parts.length > 0 ? parts.join("") : "0m";
}

function formatWithSeconds(ms: number): string {
  const seconds = Math.round((ms % MINUTE) / 1000);
  const rest = ms - (ms % MINUTE);
  return `${rest > 0 ? formatDuration(rest) : ""}${seconds}s`;
}

const ISO_UNIT_MS = { W: 7 * UNIT_MS.d, D: UNIT_MS.d, H: UNIT_MS.h, M: MINUTE, S: 1000 } as const;
// Weeks and days, then hours, minutes and seconds. Years and months have no fixed length, so a
// duration with them is refused rather than guessed.
const ISO_PATTERN = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * An ISO 8601 duration as IAM Identity Center writes a permission set's SessionDuration ("PT8H",
 * "PT1H30M", "P1D"), in ms. Throws InvalidInput for anything it cannot read exactly.
 */
export function parseIsoDuration(text: string): number {
  const match = ISO_PATTERN.exec(text);
  if (!match || text === "P" || text.endsWith("T")) {
    throw new InvalidInput(`${quoted(text)} is not an ISO 8601 duration of weeks, days, hours, minutes and seconds.`);
  }
  const [, weeks, days, hours, minutes, seconds] = match;
  const ms =
    Number(weeks ?? 0) * ISO_UNIT_MS.W +
    Number(days ?? 0) * ISO_UNIT_MS.D +
    Number(hours ?? 0) * ISO_UNIT_MS.H +
    Number(minutes ?? 0) * ISO_UNIT_MS.M +
    Math.round(Number(seconds ?? 0) * ISO_UNIT_MS.S);
  if (ms <= 0) throw new InvalidInput(`The duration ${quoted(text)} must be longer than zero.`);
  return ms;
}
