// Business hours in a time zone: when a rule auto-approves.

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";
export const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export interface WeeklySchedule {
  readonly days: readonly Weekday[];
  /** Minutes after local midnight, inclusive. */
  readonly fromMinute: number;
  /** Minutes after local midnight, exclusive. */
  readonly toMinute: number;
  readonly timeZone: string;
}

const SHORT_DAY: Readonly<Record<string, Weekday>> = {
  Mon: "mon",
  Tue: "tue",
  Wed: "wed",
  Thu: "thu",
  Fri: "fri",
  Sat: "sat",
  Sun: "sun",
};

/** True when `at` falls on one of the days, between the times, in the schedule's time zone. */
export function withinSchedule(schedule: WeeklySchedule, at: number): boolean {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: schedule.timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = SHORT_DAY[part("weekday")];
  const minute = Number(part("hour")) * 60 + Number(part("minute"));
  return day !== undefined && schedule.days.includes(day) && minute >= schedule.fromMinute && minute < schedule.toMinute;
}

/** "09:00" → 540; undefined when it is not a 24-hour time. */
export function parseClock(text: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
