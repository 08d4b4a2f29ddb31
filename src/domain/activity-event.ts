// One CloudTrail management event of a grant's role sessions, and what can be said of it alone.
import { errorText } from "./errors.js";

/** A JSON value as CloudTrail sends requestParameters. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** One CloudTrail management event of the grant's role sessions, as much as the digest needs. */
export interface ActivityEvent {
  readonly eventId: string;
  /** e.g. "iam.amazonaws.com". */
  readonly eventSource: string;
  readonly eventName: string;
  readonly eventTime: number;
  readonly region: string;
  /** CloudTrail's readOnly field; null when the event does not say. */
  readonly readOnly: boolean | null;
  readonly errorCode: string | null;
  readonly resources: readonly string[];
  readonly requestParameters: JsonValue;
}

/**
 * Why a lookup could not read every event of one region. The last three are the organization
 * trail's: its bucket refused the reads (or is not there), one of its log files is not gzip JSON
 * CloudTrail records, or the window holds more log files than one lookup reads.
 */
export type GapReason =
  | "throttled"
  | "no-role"
  | "region-unavailable"
  | "history-expired"
  | "error"
  | "trail-unreadable"
  | "corrupt-file"
  | "too-many-files";

export interface CoverageGap {
  readonly region: string;
  readonly reason: GapReason;
  readonly message: string;
}

/** A gap in `region` for `reason`, its message the failure's (kept short). */
export function gapOf(region: string, reason: GapReason, error: unknown): CoverageGap {
  return { region, reason, message: errorText(error).slice(0, 300) };
}

/** What was read: the events, and every region whose events could not all be read. */
export interface ActivityLookup {
  readonly events: readonly ActivityEvent[];
  readonly gaps: readonly CoverageGap[];
}

/** The short service name of an event source: "iam" for "iam.amazonaws.com". */
export function serviceOf(eventSource: string): string {
  return eventSource.replace(/\.amazonaws\.com$/, "");
}

// Read calls by their verb, for events that carry no readOnly field.
const READ_VERBS = /^(Get|List|Describe|Head|Lookup|Search|Select|Scan|Query|BatchGet|Check|Validate|Simulate|Preview|Test)/;

export function isWrite(event: Pick<ActivityEvent, "readOnly" | "eventName">): boolean {
  return event.readOnly === null ? !READ_VERBS.test(event.eventName) : !event.readOnly;
}

/**
 * Refused for want of permission: AccessDenied (S3), AccessDeniedException (JSON services) and
 * Client.UnauthorizedOperation / UnauthorizedOperation (EC2); CloudTrail user guide, "CloudTrail
 * record contents": errorCode is the service's own error code.
 */
export function isDenied(event: Pick<ActivityEvent, "errorCode">): boolean {
  const code = event.errorCode;
  return code !== null && (code.startsWith("AccessDenied") || code === "UnauthorizedOperation" || code === "Client.UnauthorizedOperation");
}
