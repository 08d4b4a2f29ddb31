// What a user did with a grant, as CloudTrail recorded it: the events, which of them change things,
// which were refused, and which are risky enough that someone must look (risky-actions.ts).
import { isDenied, isWrite, serviceOf, type ActivityEvent, type ActivityLookup, type CoverageGap } from "./activity-event.js";
import { riskOf, type FlaggedActionPattern } from "./risky-actions.js";

export interface EventGroup {
  readonly service: string;
  readonly eventName: string;
  readonly count: number;
  /** Distinct resource names, at most RESOURCES_PER_GROUP of them. */
  readonly resources: readonly string[];
}

export interface FlaggedEvent {
  readonly service: string;
  readonly eventName: string;
  readonly why: string;
  readonly at: number;
  readonly region: string;
  readonly denied: boolean;
  readonly resources: readonly string[];
}

/** The summary posted in the approval thread and kept (as JSON) with the digest job. */
export interface ActivityDigest {
  readonly window: { readonly from: number; readonly until: number };
  readonly total: number;
  readonly regions: readonly { readonly region: string; readonly count: number }[];
  readonly writes: readonly EventGroup[];
  readonly denied: readonly EventGroup[];
  readonly flagged: readonly FlaggedEvent[];
  /** Regions not fully read: the digest is partial when there is any. */
  readonly gaps: readonly CoverageGap[];
}

export const RESOURCES_PER_GROUP = 5;

/** The digest of a lookup within the window, flagged against the defaults and `extra`. */
export function digestOf(
  lookup: ActivityLookup,
  window: ActivityDigest["window"],
  extra: readonly FlaggedActionPattern[] = [],
): ActivityDigest {
  const events = [...lookup.events].sort((a, b) => a.eventTime - b.eventTime);
  const regions = new Map<string, number>();
  for (const event of events) regions.set(event.region, (regions.get(event.region) ?? 0) + 1);
  const flagged: FlaggedEvent[] = [];
  for (const event of events) {
    const why = riskOf(event, extra);
    if (why) {
      flagged.push({
        service: serviceOf(event.eventSource),
        eventName: event.eventName,
        why,
        at: event.eventTime,
        region: event.region,
        denied: isDenied(event),
        resources: event.resources.slice(0, RESOURCES_PER_GROUP),
      });
    }
  }
  return {
    window,
    total: events.length,
    regions: [...regions]
      .map(([region, count]) => ({ region, count }))
      .sort((a, b) => b.count - a.count || a.region.localeCompare(b.region)),
    writes: grouped(events.filter((event) => isWrite(event) && !isDenied(event))),
    denied: grouped(events.filter(isDenied)),
    flagged,
    gaps: lookup.gaps,
  };
}

function grouped(events: readonly ActivityEvent[]): EventGroup[] {
  const groups = new Map<string, { service: string; eventName: string; count: number; resources: Set<string> }>();
  for (const event of events) {
    const service = serviceOf(event.eventSource);
    const key = `${service}:${event.eventName}`;
    const group = groups.get(key) ?? { service, eventName: event.eventName, count: 0, resources: new Set<string>() };
    group.count += 1;
    for (const resource of event.resources) if (group.resources.size < RESOURCES_PER_GROUP) group.resources.add(resource);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((group) => ({ ...group, resources: [...group.resources] }))
    .sort((a, b) => b.count - a.count || `${a.service}:${a.eventName}`.localeCompare(`${b.service}:${b.eventName}`));
}

export function isPartial(digest: Pick<ActivityDigest, "gaps">): boolean {
  return digest.gaps.length > 0;
}

/** Someone must look: a flagged action, or break-glass access, which is always reviewed after the fact. */
export function needsReview(digest: Pick<ActivityDigest, "flagged">, breakGlass: boolean): boolean {
  return breakGlass || digest.flagged.length > 0;
}

/** The counts the audit record keeps of a digest. */
export function digestCounts(digest: ActivityDigest): Readonly<Record<string, number | boolean | string>> {
  return {
    events: digest.total,
    writes: digest.writes.reduce((sum, group) => sum + group.count, 0),
    denied: digest.denied.reduce((sum, group) => sum + group.count, 0),
    flagged: digest.flagged.length,
    regions: digest.regions.map((entry) => entry.region).join(","),
    partial: isPartial(digest),
    missing: digest.gaps.map((gap) => `${gap.region}:${gap.reason}`).join(","),
    windowFrom: new Date(digest.window.from).toISOString(),
    windowUntil: new Date(digest.window.until).toISOString(),
  };
}

/**
 * The window whose events belong to the grant: from activation to its end, and past the end while
 * role sessions opened before it stay valid (no session fence: `sessionsValidUntil`).
 */
export function activityWindow(activatedAt: number, endedAt: number, sessionsValidUntil: number | null): ActivityDigest["window"] {
  return { from: activatedAt, until: Math.max(endedAt, sessionsValidUntil ?? endedAt) };
}
