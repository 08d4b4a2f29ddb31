// Where an organization trail keeps an account's log files for a region, and which of them can hold
// events of a time window.
//
// "For organization trails, the log file object name includes the organization unit ID in the path:
// bucket_name/prefix_name/AWSLogs/O-ID/Account ID/CloudTrail/Region/YYYY/MM/DD/file_name.json.gz",
// the date being the day the file was published (CloudTrail user guide, "Finding your CloudTrail log
// files"). Files are named AccountID_CloudTrail_RegionName_YYYYMMDDTHHmmZ_UniqueString.json.gz, the
// time being when the file was delivered, in UTC, and "a log file delivered at a specific time can
// contain records written at any point before that time" (CloudTrail user guide, "CloudTrail log
// file examples"). "CloudTrail typically delivers logs within an average of about 5 minutes of an
// API call. This time is not guaranteed" ("Getting and viewing your CloudTrail log files").

export interface TrailLocation {
  readonly bucket: string;
  /** The trail's S3 key prefix, without a trailing slash; "" when it has none. */
  readonly prefix: string;
  readonly organizationId: string;
}

/** How long after the window's end its last events' file may still be delivered. */
export const DELIVERY_MARGIN_MS = 60 * 60_000;

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const FILE_TIME = /_CloudTrail_[a-z0-9-]+_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[^/]*$/;

/** `<prefix>/AWSLogs/<org>/<account>/CloudTrail/<region>/`. */
export function regionPrefix(trail: TrailLocation, accountId: string, region: string): string {
  const root = trail.prefix === "" ? "" : `${trail.prefix}/`;
  return `${root}AWSLogs/${trail.organizationId}/${accountId}/CloudTrail/${region}/`;
}

/**
 * The day folders whose files can hold events of from..until: from the day the window starts to the
 * day its delivery margin ends (UTC), so a margin past midnight reads the next day too.
 */
export function dayPrefixes(trail: TrailLocation, accountId: string, region: string, from: number, until: number): string[] {
  const base = regionPrefix(trail, accountId, region);
  const days: string[] = [];
  const last = Math.floor((until + DELIVERY_MARGIN_MS) / DAY_MS);
  for (let day = Math.floor(from / DAY_MS); day <= last; day += 1) {
    days.push(`${base}${new Date(day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, "/")}/`);
  }
  return days;
}

/** When the file named by `key` was delivered (epoch ms, to the minute), or undefined when its name does not say. */
export function deliveredAt(key: string): number | undefined {
  const match = FILE_TIME.exec(key);
  if (!match) return undefined;
  const [, year, month, day, hour, minute] = match.map(Number);
  const at = Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 0, hour ?? 0, minute ?? 0);
  return Number.isNaN(at) ? undefined : at;
}

/**
 * Whether the file can hold events of from..until: not delivered before the window starts (its name
 * gives the minute, so a file of the window's first minute is kept), nor after the delivery margin.
 * A file whose name does not give its time is read rather than passed over.
 */
export function mayHoldWindow(key: string, from: number, until: number): boolean {
  const at = deliveredAt(key);
  if (at === undefined) return true;
  return at + MINUTE_MS > from && at <= until + DELIVERY_MARGIN_MS;
}
