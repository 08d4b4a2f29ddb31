// CloudTrail (awsJson1_1, X-Amz-Target: CloudTrail_20131101.<Op>)
// for the fake AWS server: LookupEvents over each account's and region's event history, answered
// only to credentials from an AssumeRole into that account (fake-aws-sts.ts), newest first, with
// NextToken pagination, one LookupAttribute, StartTime/EndTime (epoch seconds), and throttling past
// two calls per second per account and region ("The rate of lookup requests is limited to two per
// second, per account, per Region": CloudTrail API Reference, LookupEvents).
import { randomUUID } from "node:crypto";
import { AwsServiceError, paginate, type JsonObject } from "./fake-aws-protocol.js";
import type { JsonHandler } from "./fake-aws-sso.js";
import type { AssumedSessions } from "./fake-aws-sts.js";

/** What a test says about one event; the rest is filled in as CloudTrail would. */
export interface FakeTrailEventInput {
  readonly accountId: string;
  readonly region?: string;
  /** e.g. "iam.amazonaws.com". */
  readonly eventSource: string;
  readonly eventName: string;
  /** Epoch ms. */
  readonly at: number;
  /** The role session name: for Identity Center, the user's user name. */
  readonly sessionName: string;
  /** The IAM role, e.g. AWSReservedSSO_AdministratorAccess_0123456789abcdef. */
  readonly roleName: string;
  readonly readOnly?: boolean;
  readonly errorCode?: string;
  readonly resources?: readonly string[];
  readonly requestParameters?: JsonObject | null;
}

interface StoredEvent {
  readonly accountId: string;
  readonly region: string;
  readonly username: string;
  readonly wire: JsonObject;
  readonly at: number;
}

const LOOKUP_KEYS = ["EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"];
const CALLS_PER_SECOND = 2;

export class CloudTrailState {
  private readonly events: StoredEvent[] = [];
  private readonly accepted = new Map<string, number[]>();
  throttled = 0;

  constructor(private readonly sessions: AssumedSessions) {}

  add(input: FakeTrailEventInput): string {
    const region = input.region ?? "us-east-1";
    const eventId = randomUUID();
    const record = trailRecordOf(input, eventId);
    const wire: JsonObject = {
      EventId: eventId,
      EventName: input.eventName,
      ReadOnly: String(input.readOnly ?? false),
      AccessKeyId: "ASIAEXAMPLEKEY000001",
      EventTime: input.at / 1000,
      EventSource: input.eventSource,
      Username: input.sessionName,
      Resources: (input.resources ?? []).map((name) => ({ ResourceType: "AWS::Resource", ResourceName: name })),
      CloudTrailEvent: JSON.stringify(record),
    };
    this.events.push({ accountId: input.accountId, region, username: input.sessionName, wire, at: input.at });
    return eventId;
  }

  clear(): void {
    this.events.length = 0;
    this.accepted.clear();
    this.throttled = 0;
  }

  handlers(): Record<string, JsonHandler> {
    return {
      LookupEvents: (input, context) => {
        const session = context && this.sessions.byAccessKey(context.accessKeyId);
        if (!context || !session)
          throw new AwsServiceError("UnrecognizedClientException", "The security token included in the request is invalid.");
        this.meter(`${session.accountId}/${context.region}`);
        const attributes = Array.isArray(input.LookupAttributes) ? (input.LookupAttributes as JsonObject[]) : [];
        if (attributes.length > 1)
          throw new AwsServiceError("InvalidLookupAttributesException", "You can only specify one lookup attribute.");
        const [attribute] = attributes;
        if (attribute && !LOOKUP_KEYS.includes(String(attribute.AttributeKey))) {
          throw new AwsServiceError("InvalidLookupAttributesException", `Invalid attribute key ${String(attribute.AttributeKey)}.`);
        }
        const start = typeof input.StartTime === "number" ? input.StartTime * 1000 : Number.NEGATIVE_INFINITY;
        const end = typeof input.EndTime === "number" ? input.EndTime * 1000 : Number.POSITIVE_INFINITY;
        if (start > end) throw new AwsServiceError("InvalidTimeRangeException", "Start time must be before end time.");
        const max = input.MaxResults;
        if (max !== undefined && (typeof max !== "number" || max < 1 || max > 50)) {
          throw new AwsServiceError("InvalidMaxResultsException", "MaxResults must be between 1 and 50.");
        }
        const matching = this.events
          .filter((event) => event.accountId === session.accountId && event.region === context.region)
          .filter((event) => event.at >= start && event.at <= end)
          .filter((event) => !attribute || String(event.wire[String(attribute.AttributeKey)]) === String(attribute.AttributeValue))
          .sort((a, b) => b.at - a.at)
          .map((event) => event.wire);
        const scope = JSON.stringify({ attribute, start: input.StartTime, end: input.EndTime });
        try {
          const { page, nextToken } = paginate(matching, { MaxResults: max ?? 50, NextToken: input.NextToken }, scope, 50);
          return { Events: page, ...(nextToken ? { NextToken: nextToken } : {}) };
        } catch (error) {
          if (error instanceof AwsServiceError) throw new AwsServiceError("InvalidNextTokenException", "Invalid NextToken.");
          throw error;
        }
      },
    };
  }

  /** At most two calls in any second per account and region; the rest are throttled. */
  private meter(key: string): void {
    const now = Date.now();
    const recent = (this.accepted.get(key) ?? []).filter((at) => now - at < 1000);
    if (recent.length >= CALLS_PER_SECOND) {
      this.throttled += 1;
      this.accepted.set(key, recent);
      throw new AwsServiceError("ThrottlingException", "Rate exceeded");
    }
    recent.push(now);
    this.accepted.set(key, recent);
  }
}

/**
 * The CloudTrail record of one event of an Identity Center user's role session, as CloudTrail writes
 * it (CloudTrail user guide, "CloudTrail record contents"), in LookupEvents' CloudTrailEvent and in
 * trail log files alike.
 */
export function trailRecordOf(input: FakeTrailEventInput, eventId: string = randomUUID()): JsonObject {
  const region = input.region ?? "us-east-1";
  const roleId = "AROAEXAMPLEROLEID0001";
  return {
    eventVersion: "1.09",
    userIdentity: {
      type: "AssumedRole",
      principalId: `${roleId}:${input.sessionName}`,
      arn: `arn:aws:sts::${input.accountId}:assumed-role/${input.roleName}/${input.sessionName}`,
      accountId: input.accountId,
      accessKeyId: "ASIAEXAMPLEKEY000001",
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          principalId: roleId,
          arn: `arn:aws:iam::${input.accountId}:role/aws-reserved/sso.amazonaws.com/${input.roleName}`,
          accountId: input.accountId,
          userName: input.roleName,
        },
        attributes: { creationDate: new Date(input.at).toISOString(), mfaAuthenticated: "false" },
      },
    },
    eventTime: new Date(input.at).toISOString().replace(/\.\d{3}Z$/, "Z"),
    eventSource: input.eventSource,
    eventName: input.eventName,
    awsRegion: region,
    sourceIPAddress: "192.0.2.10",
    userAgent: "aws-cli/2.15.0",
    requestParameters: input.requestParameters ?? null,
    responseElements: null,
    ...(input.errorCode ? { errorCode: input.errorCode, errorMessage: "You are not authorized to perform this operation." } : {}),
    requestID: randomUUID(),
    eventID: eventId,
    readOnly: input.readOnly ?? false,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: input.accountId,
    ...(input.resources?.length
      ? { resources: input.resources.map((name) => ({ ARN: name, accountId: input.accountId, type: "AWS::Resource" })) }
      : {}),
    eventCategory: "Management",
  };
}
