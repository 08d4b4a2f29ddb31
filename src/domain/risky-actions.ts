// Which CloudTrail events a reviewer must see first: changes to who may do what (IAM, Identity
// Center, Organizations), to encryption keys, to bucket exposure, to logging and threat detection,
// security groups opened to the internet, and whatever the operator adds.
import { isWrite, serviceOf, type ActivityEvent, type JsonValue } from "./activity-event.js";

/** "service:EventName" from the operator (JIT_ACTIVITY_FLAGGED_ACTIONS); EventName may end in "*". */
export interface FlaggedActionPattern {
  readonly service: string;
  readonly eventName: string;
}

/** Parses "ec2:TerminateInstances, lambda:Delete*"; throws naming the entry that is not service:Action. */
export function parseFlaggedActions(text: string): FlaggedActionPattern[] {
  return text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => {
      const match = /^([a-z0-9-]+):([A-Za-z0-9]+\*?|\*)$/.exec(entry);
      if (!match) throw new Error(`"${entry}" is not service:Action (such as ec2:TerminateInstances or lambda:Delete*)`);
      return { service: match[1] ?? "", eventName: match[2] ?? "" };
    });
}

/** Services where any write changes who may do what. */
const PERMISSION_SERVICES: Readonly<Record<string, string>> = {
  iam: "IAM change",
  sso: "Identity Center change",
  "sso-directory": "Identity Center change",
  identitystore: "Identity Center change",
  organizations: "Organizations change",
};

const NAMED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  kms: {
    PutKeyPolicy: "KMS key policy changed",
    ScheduleKeyDeletion: "KMS key scheduled for deletion",
    DisableKey: "KMS key disabled",
  },
  s3: {
    PutBucketPolicy: "S3 bucket policy changed",
    DeleteBucketPolicy: "S3 bucket policy deleted",
    PutBucketAcl: "S3 bucket ACL changed",
    PutPublicAccessBlock: "S3 public access block changed",
    DeletePublicAccessBlock: "S3 public access block removed",
    PutAccountPublicAccessBlock: "S3 account public access block changed",
    DeleteAccountPublicAccessBlock: "S3 account public access block removed",
  },
  cloudtrail: {
    StopLogging: "CloudTrail logging stopped",
    DeleteTrail: "CloudTrail trail deleted",
    UpdateTrail: "CloudTrail trail changed",
  },
  guardduty: {
    DeleteDetector: "GuardDuty detector deleted",
  },
  securityhub: {
    DisableSecurityHub: "Security Hub disabled",
    BatchDisableStandards: "Security Hub standards disabled",
  },
};

const OPEN_TO_ALL = new Set(["0.0.0.0/0", "::/0"]);

/** Why the event must be reviewed, or null. */
export function riskOf(event: ActivityEvent, extra: readonly FlaggedActionPattern[] = []): string | null {
  const service = serviceOf(event.eventSource);
  const named = NAMED[service]?.[event.eventName];
  if (named) return named;
  const permissions = PERMISSION_SERVICES[service];
  if (permissions && isWrite(event)) return permissions;
  if (service === "guardduty" && event.eventName === "UpdateDetector" && field(event.requestParameters, "enable") === false) {
    return "GuardDuty detector disabled";
  }
  if (service === "ec2" && event.eventName === "AuthorizeSecurityGroupIngress" && mentionsOpenRange(event.requestParameters)) {
    return "security group opened to the internet";
  }
  if (extra.some((pattern) => matches(pattern, service, event.eventName))) return "on the configured list";
  return null;
}

function matches(pattern: FlaggedActionPattern, service: string, eventName: string): boolean {
  if (pattern.service !== service) return false;
  return pattern.eventName.endsWith("*") ? eventName.startsWith(pattern.eventName.slice(0, -1)) : pattern.eventName === eventName;
}

function field(value: JsonValue, key: string): JsonValue | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, JsonValue>)[key] : undefined;
}

/**
 * Anywhere in the request, as CloudTrail nests it (ipPermissions.items[].ipRanges.items[].cidrIp,
 * ipv6Ranges…cidrIpv6): an address range that is the whole internet.
 */
function mentionsOpenRange(value: JsonValue): boolean {
  if (typeof value === "string") return OPEN_TO_ALL.has(value.trim());
  if (value === null || typeof value !== "object") return false;
  const children: readonly JsonValue[] = Array.isArray(value) ? value : Object.values(value);
  return children.some(mentionsOpenRange);
}
