// A CloudTrail record (the JSON CloudTrail writes to trail files, and LookupEvents returns as
// CloudTrailEvent) read as an ActivityEvent, and whether its session is a grant's.
//
// Identity Center signs users in to an account through the role AWSReservedSSO_<permission set>_<id>
// with the user's user name as the role session name, so CloudTrail records userIdentity.arn as
// arn:<partition>:sts::<account>:assumed-role/AWSReservedSSO_…/<user name> and
// userIdentity.sessionContext.sessionIssuer.userName as the role's name (CloudTrail user guide,
// "CloudTrail userIdentity element", AssumedRole).
import type { ActivityEvent, JsonValue } from "../domain/activity-event.js";

export type TrailRecord = { readonly [key: string]: JsonValue };

/** Whose sessions to keep: one user's, under one permission set's role, in one account. */
export interface GrantSessions {
  readonly accountId: string;
  readonly permissionSetName: string;
  readonly userName: string;
}

// The role's suffix is an id without underscores, so "Admin" does not take the role of "Admin_Prod".
const ROLE_SUFFIX = /^[A-Za-z0-9]+$/;

export function asRecord(value: unknown): TrailRecord | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as TrailRecord) : undefined;
}

/** The record in `text`, or undefined when it is not a JSON object. */
export function parseRecord(text: string | undefined): TrailRecord | undefined {
  try {
    return asRecord(JSON.parse(text ?? "null"));
  } catch {
    return undefined;
  }
}

export function objectAt(value: TrailRecord | undefined, key: string): TrailRecord | undefined {
  return asRecord(value?.[key]);
}

export function stringAt(value: TrailRecord | undefined, key: string): string | undefined {
  const inner = value?.[key];
  return typeof inner === "string" ? inner : undefined;
}

/**
 * Whether the record's userIdentity is the user's session under the permission set's role in the
 * account: the issuer role is AWSReservedSSO_<permission set>_<id>, and the session ARN is that
 * role's in that account with the user name as session name. A record without userIdentity is not.
 */
export function isGrantSession(record: TrailRecord, sessions: GrantSessions): boolean {
  const identity = objectAt(record, "userIdentity");
  const roleName = stringAt(objectAt(objectAt(identity, "sessionContext"), "sessionIssuer"), "userName") ?? "";
  const prefix = `AWSReservedSSO_${sessions.permissionSetName}_`;
  if (!roleName.startsWith(prefix) || !ROLE_SUFFIX.test(roleName.slice(prefix.length))) return false;
  // arn:<partition>:sts::<account>:assumed-role/<role>/<session>
  const [scheme, , service, , account, resource] = (stringAt(identity, "arn") ?? "").split(":");
  return (
    scheme === "arn" && service === "sts" && account === sessions.accountId && resource === `assumed-role/${roleName}/${sessions.userName}`
  );
}

/** What LookupEvents says of an event beside its record; a trail file has the record alone. */
export interface EventSummary {
  readonly eventId?: string;
  readonly eventSource?: string;
  readonly eventName?: string;
  readonly eventTime?: number;
  readonly readOnly?: boolean;
  readonly resources?: readonly string[];
}

/** The event time of a record in epoch ms, or undefined when it has none that parses. */
export function eventTimeOf(record: TrailRecord | undefined): number | undefined {
  const at = Date.parse(stringAt(record, "eventTime") ?? "");
  return Number.isNaN(at) ? undefined : at;
}

/** The resources a record names: its `resources` element's ARNs (CloudTrail record contents, "resources"). */
function recordResources(record: TrailRecord | undefined): string[] {
  const resources = record?.resources;
  if (!Array.isArray(resources)) return [];
  return resources.flatMap((resource) => {
    const arn = stringAt(asRecord(resource), "ARN");
    return arn ? [arn] : [];
  });
}

/** The ActivityEvent of a record, preferring what `summary` says where it says it. */
export function activityEventOf(record: TrailRecord | undefined, region: string, summary: EventSummary = {}): ActivityEvent {
  const readOnly = record?.readOnly;
  return {
    eventId: summary.eventId ?? stringAt(record, "eventID") ?? "",
    eventSource: summary.eventSource ?? stringAt(record, "eventSource") ?? "",
    eventName: summary.eventName ?? stringAt(record, "eventName") ?? "",
    eventTime: summary.eventTime ?? eventTimeOf(record) ?? 0,
    region: stringAt(record, "awsRegion") ?? region,
    readOnly: typeof readOnly === "boolean" ? readOnly : (summary.readOnly ?? null),
    errorCode: stringAt(record, "errorCode") ?? null,
    resources: summary.resources ?? recordResources(record),
    requestParameters: record?.requestParameters ?? null,
  };
}
