// Reads what a grant's role sessions did from CloudTrail event history: LookupEvents in each
// configured region of the target account, under a read-only role the bot assumes there, filtered
// by the Identity Center user's name, paginated, at most two calls per second per account and region
// ("The rate of lookup requests is limited to two per second, per account, per Region. If this limit
// is exceeded, a throttling error occurs": CloudTrail API Reference, LookupEvents).
//
// Identity Center signs users in to an account through the role AWSReservedSSO_<permission set>_<id>
// with the user's user name as the role session name, so CloudTrail records the event's Username as
// that name, userIdentity.arn as arn:aws:sts::<account>:assumed-role/AWSReservedSSO_…/<user name>,
// and userIdentity.sessionContext.sessionIssuer.userName as the role's name (CloudTrail user guide,
// "CloudTrail userIdentity element", AssumedRole). Lookup filters by Username; the role name then
// keeps the events of this permission set only.
import { CloudTrailClient, LookupEventsCommand, type Event } from "@aws-sdk/client-cloudtrail";
import { DescribeUserCommand, type IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";
import type { ActivityEvent, ActivityLookup, CoverageGap, GapReason, JsonValue } from "../domain/activity-event.js";
import { errorText, ProviderError } from "../domain/errors.js";
import type { ActivityQuery, ActivitySource } from "../services/ports.js";
import { sharedCredentials, type CredentialProvider } from "./clients.js";
import { toProviderError } from "./errors.js";
import { RateLimiter } from "./limiter.js";
import { retryingCall } from "./retrying-call.js";

export interface ActivityReaderSettings {
  /** The read-only role in every target account (JIT_ACTIVITY_ROLE_NAME). */
  readonly roleName: string;
  readonly regions: readonly string[];
  /** The partition of the Identity Center instance: aws, aws-us-gov, aws-cn. */
  readonly partition: string;
  readonly identityStoreId: string;
  /** Attempts per LookupEvents page, the first included, and the first backoff (doubled per attempt). */
  readonly retries: number;
  readonly backoffMs: { readonly base: number; readonly cap: number };
}

const LOOKUP_CALLS_PER_SECOND = 2;
/** "You can look up events that occurred in a Region within the last 90 days" (CloudTrail API Reference, LookupEvents). */
const HISTORY_MS = 90 * 24 * 60 * 60_000;
// What STS or CloudTrail answer where the region is not enabled for the account (an opt-in region)
// or does not know the credentials' session: the region cannot be read, rather than failing.
const REGION_UNAVAILABLE = new Set(["UnrecognizedClientException", "InvalidClientTokenId", "OptInRequired", "ENOTFOUND"]);

export class CloudTrailActivity implements ActivitySource {
  private readonly credentials = new Map<string, CredentialProvider>();
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly clients = new Map<string, CloudTrailClient>();
  private readonly userNames = new Map<string, string>();

  constructor(
    private readonly settings: ActivityReaderSettings,
    private readonly sts: STSClient,
    private readonly identityStore: IdentitystoreClient,
  ) {}

  async lookup(query: ActivityQuery): Promise<ActivityLookup> {
    const expired =
      query.from < Date.now() - HISTORY_MS
        ? this.settings.regions.map((region) => gap(region, "history-expired", "events older than 90 days are not in event history"))
        : [];
    const found = await this.lookupAll(query);
    return { events: found.events, gaps: [...expired, ...found.gaps] };
  }

  private async lookupAll(query: ActivityQuery): Promise<ActivityLookup> {
    let userName: string;
    try {
      userName = await this.userNameOf(query.principalId);
    } catch (error) {
      return { events: [], gaps: this.settings.regions.map((region) => gap(region, "error", error)) };
    }
    const results = await Promise.all(this.settings.regions.map((region) => this.inRegion(region, query, userName)));
    return { events: results.flatMap((result) => result.events), gaps: results.flatMap((result) => result.gaps) };
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
  }

  private async inRegion(region: string, query: ActivityQuery, userName: string): Promise<ActivityLookup> {
    const client = this.clientFor(query.accountId, region);
    const limiter = this.limiterFor(query.accountId, region);
    const policy = { limiter, priority: "normal" as const, retries: this.settings.retries, backoffMs: this.settings.backoffMs };
    const events: ActivityEvent[] = [];
    const roleName = `AWSReservedSSO_${query.permissionSetName}_`;
    let nextToken: string | undefined;
    try {
      do {
        const token = nextToken;
        const page = await retryingCall(policy, "CloudTrail LookupEvents", () =>
          client.send(
            new LookupEventsCommand({
              LookupAttributes: [{ AttributeKey: "Username", AttributeValue: userName }],
              StartTime: new Date(query.from),
              EndTime: new Date(query.until),
              MaxResults: 50,
              NextToken: token,
            }),
          ),
        );
        for (const event of page.Events ?? []) {
          const parsed = activityEventOf(event, region, roleName, userName);
          if (parsed) events.push(parsed);
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return { events, gaps: [] };
    } catch (error) {
      return { events, gaps: [gap(region, reasonOf(error), error)] };
    }
  }

  private async userNameOf(principalId: string): Promise<string> {
    const known = this.userNames.get(principalId);
    if (known) return known;
    const user = await this.identityStore
      .send(new DescribeUserCommand({ IdentityStoreId: this.settings.identityStoreId, UserId: principalId }))
      .catch((error: unknown) => {
        throw toProviderError(error, "Identity Store DescribeUser");
      });
    if (!user.UserName) throw new ProviderError(`Identity Store user ${principalId} has no user name`, "NoUserName", false);
    this.userNames.set(principalId, user.UserName);
    return user.UserName;
  }

  private clientFor(accountId: string, region: string): CloudTrailClient {
    const key = `${accountId}/${region}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new CloudTrailClient({
        region,
        credentials: this.credentialsFor(accountId),
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 3_000, requestTimeout: 15_000 },
      });
      this.clients.set(key, client);
    }
    return client;
  }

  private credentialsFor(accountId: string): CredentialProvider {
    let provider = this.credentials.get(accountId);
    if (!provider) {
      const roleArn = `arn:${this.settings.partition}:iam::${accountId}:role/${this.settings.roleName}`;
      provider = sharedCredentials(async () => {
        const { Credentials: credentials } = await this.sts
          .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "jit-slack-activity", DurationSeconds: 900 }))
          .catch((error: unknown) => {
            throw new AssumeRoleFailed(roleArn, error);
          });
        if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) throw new AssumeRoleFailed(roleArn, "no credentials returned");
        return {
          accessKeyId: credentials.AccessKeyId,
          secretAccessKey: credentials.SecretAccessKey,
          sessionToken: credentials.SessionToken,
          expiration: credentials.Expiration,
        };
      });
      this.credentials.set(accountId, provider);
    }
    return provider;
  }

  private limiterFor(accountId: string, region: string): RateLimiter {
    const key = `${accountId}/${region}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      // A burst of one: calls start at most every half second, so no second holds more than two.
      limiter = new RateLimiter(LOOKUP_CALLS_PER_SECOND, 1);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}

/**
 * The read-only role could not be assumed in the target account (a ProviderError, so retryingCall
 * passes it on as it is, retrying only what STS says may succeed later).
 */
class AssumeRoleFailed extends ProviderError {
  constructor(roleArn: string, reason: unknown) {
    const inner = reason instanceof Error || typeof reason === "object" ? toProviderError(reason, "STS AssumeRole") : undefined;
    super(`cannot assume ${roleArn}: ${inner?.message ?? String(reason)}`, inner?.code ?? "NoCredentials", inner?.retryable ?? false);
  }
}

function reasonOf(error: unknown): GapReason {
  if (error instanceof AssumeRoleFailed) return REGION_UNAVAILABLE.has(error.code) ? "region-unavailable" : "no-role";
  const code = toProviderError(error, "CloudTrail LookupEvents").code;
  if (code === "ThrottlingException") return "throttled";
  return REGION_UNAVAILABLE.has(code) ? "region-unavailable" : "error";
}

function gap(region: string, reason: GapReason, error: unknown): CoverageGap {
  return { region, reason, message: errorText(error).slice(0, 300) };
}

type Json = { readonly [key: string]: JsonValue };

function objectAt(value: JsonValue | undefined, key: string): Json | undefined {
  const inner = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json)[key] : undefined;
  return inner !== null && typeof inner === "object" && !Array.isArray(inner) ? (inner as Json) : undefined;
}

function stringAt(value: Json | undefined, key: string): string | undefined {
  const inner = value?.[key];
  return typeof inner === "string" ? inner : undefined;
}

/**
 * The event, when its session is the user's under this permission set's role; undefined for the
 * user's sessions under other permission sets. An event whose record cannot be read is kept with
 * what LookupEvents says of it, rather than dropped.
 */
function activityEventOf(event: Event, region: string, roleNamePrefix: string, userName: string): ActivityEvent | undefined {
  let record: Json | undefined;
  try {
    const parsed: unknown = JSON.parse(event.CloudTrailEvent ?? "null");
    record = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Json) : undefined;
  } catch {
    record = undefined;
  }
  const identity = objectAt(record ?? null, "userIdentity");
  if (identity) {
    const issuer = stringAt(objectAt(objectAt(identity, "sessionContext") ?? null, "sessionIssuer"), "userName") ?? "";
    const arn = stringAt(identity, "arn") ?? "";
    if (!issuer.startsWith(roleNamePrefix) || !arn.endsWith(`/${userName}`)) return undefined;
  }
  const readOnly = record?.readOnly;
  return {
    eventId: event.EventId ?? stringAt(record, "eventID") ?? "",
    eventSource: event.EventSource ?? stringAt(record, "eventSource") ?? "",
    eventName: event.EventName ?? stringAt(record, "eventName") ?? "",
    eventTime: event.EventTime?.getTime() ?? 0,
    region: stringAt(record, "awsRegion") ?? region,
    readOnly: typeof readOnly === "boolean" ? readOnly : event.ReadOnly === undefined ? null : event.ReadOnly === "true",
    errorCode: stringAt(record, "errorCode") ?? null,
    resources: (event.Resources ?? []).flatMap((resource) => (resource.ResourceName ? [resource.ResourceName] : [])),
    requestParameters: record?.requestParameters ?? null,
  };
}
