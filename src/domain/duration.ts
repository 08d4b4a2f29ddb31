// Durations as people type them: "30m", "2h", "1h30m", "1d". Stored and computed as milliseconds.
import { InvalidInput, quoted } from "./errors.js";

const MINUTE = 60_000;
const UNIT_MS = { d: 24 * 60 * MINUTE, h: 60 * MINUTE, m: MINUTE } as const;
const DURATION_PATTERN = /^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?$/;

export function parseDuration(text: string): number {
  const normalized = text.trim().toLowerCase();
  const match = DURATION_PATTERN.exec(normalized);
  if (normalized === "" || !match) {
    throw new InvalidInput(`${quoted(text)} is not a duration. Use minutes and hours like 30m, 2h or 1h30m.`, "duration");
  }
  const [, days, hours, minutes] = match;
  const ms = Number(days ?? 0) * UNIT_MS.d + Number(hours ?? 0) * UNIT_MS.h + Number(minutes ?? 0) * UNIT_MS.m;
  if (ms <= 0) {
    throw new InvalidInput(`The duration must be longer than zero (got ${quoted(text)}).`, "duration");
  }
  return ms;
}

/** "1h30m", "45m", "2d4h": the shortest rendering to the minute, in the same form people type. */
export function formatDuration(ms: number): string {
  let minutes = Math.round(ms / MINUTE);
  const days = Math.floor(minutes / (24 * 60));
  minutes -= days * 24 * 60;
  const hours = Math.floor(minutes / 60);
  minutes -= hours * 60;
  const parts = [days && `${days}d`, hours && `${hours}h`, minutes && `${minutes}m`].filter(Boolean);
  return parts.length > 0 ? parts.join("") : "0m";
}
