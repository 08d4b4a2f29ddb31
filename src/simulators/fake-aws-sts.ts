// STS (awsQuery) handlers for the fake AWS server: GetCallerIdentity and
// AssumeRole. Input is the form-encoded body (minus Action/Version) as
// strings; output is the content of `<ActionResult>`. STS validation errors
// use the code `ValidationError` (not ValidationException).

import { randomBytes } from "node:crypto";
import { AwsServiceError, requireString, validationError, type XmlObject } from "./fake-aws-protocol.js";

export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";
export const STS_VERSION = "2011-06-15";

export type StsHandler = (params: Record<string, string>) => XmlObject;

export interface CallerIdentity {
  accountId: string;
  arn: string;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const randomId = (length: number): string => Array.from(randomBytes(length), (b) => ALNUM[b % ALNUM.length] ?? "A").join("");

/** ISO-8601 without milliseconds, as STS sends it. */
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export interface AssumedSession {
  readonly accountId: string;
  readonly roleName: string;
  readonly sessionName: string;
}

/**
 * Roles in other accounts that may be assumed (set up by a test), and the sessions handed out, by
 * access key, so other fake services know whose credentials sign a call. Roles in the caller's own
 * account are assumable without being set up (the bot's own AWS_ROLE_ARN).
 */
export class AssumedSessions {
  private readonly roles = new Set<string>();
  private readonly sessions = new Map<string, AssumedSession>();

  constructor(private readonly ownAccountId: string) {}

  allow(accountId: string, roleName: string): void {
    this.roles.add(`${accountId}/${roleName}`);
  }
  mayAssume(accountId: string, roleName: string): boolean {
    return accountId === this.ownAccountId || this.roles.has(`${accountId}/${roleName}`);
  }
  issued(accessKeyId: string, session: AssumedSession): void {
    this.sessions.set(accessKeyId, session);
  }
  byAccessKey(accessKeyId: string): AssumedSession | undefined {
    return this.sessions.get(accessKeyId);
  }
  clear(): void {
    this.roles.clear();
    this.sessions.clear();
  }
}

export function stsHandlers(
  caller: CallerIdentity,
  sessions: AssumedSessions = new AssumedSessions(caller.accountId),
): Record<string, StsHandler> {
  const callerUserId = `AIDA${randomId(17)}`;
  return {
    GetCallerIdentity: () => ({ UserId: callerUserId, Account: caller.accountId, Arn: caller.arn }),

    AssumeRole: (params) => {
      const roleArn = requireString(params, "RoleArn", "ValidationError");
      const match = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
      if (!match) throw validationError("RoleArn", roleArn, "Member must be a valid IAM role ARN", "ValidationError");
      const [, accountId = "", roleName = ""] = match;
      const session = requireString(params, "RoleSessionName", "ValidationError");
      if (!/^[\w+=,.@-]{2,64}$/.test(session)) {
        throw validationError(
          "RoleSessionName",
          session,
          "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
          "ValidationError",
        );
      }
      const duration = params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds);
      if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
        throw validationError("DurationSeconds", params.DurationSeconds, "Member must have value between 900 and 43200", "ValidationError");
      }
      if (!sessions.mayAssume(accountId, roleName)) {
        // What STS answers when the role does not exist or does not trust the caller (STS API Reference, AssumeRole, Errors: AccessDenied).
        throw new AwsServiceError(
          "AccessDenied",
          `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
          403,
        );
      }
      const accessKeyId = `ASIA${randomId(16)}`;
      sessions.issued(accessKeyId, { accountId, roleName, sessionName: session });
      return {
        Credentials: {
          AccessKeyId: accessKeyId,
          SecretAccessKey: randomBytes(30).toString("base64"),
          SessionToken: randomBytes(96).toString("base64"),
          Expiration: isoSeconds(Date.now() + duration * 1000),
        },
        AssumedRoleUser: {
          AssumedRoleId: `AROA${randomId(17)}:${session}`,
          Arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${session}`,
        },
        PackedPolicySize: 0,
      };
    },
  };
}
