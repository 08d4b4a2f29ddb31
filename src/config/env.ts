// Environment variables, parsed once at start into a frozen, typed Config.
import { z } from "zod";
import { parseFlaggedActions, type FlaggedActionPattern } from "../domain/risky-actions.js";
import { ConfigError, describeIssues } from "./problems.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const DEFAULT_HEALTH_HOST = "127.0.0.1";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** An S3 bucket name ("General purpose bucket naming rules": 3–63 of a-z 0-9 . -, no "..", not an IP address). */
const s3Bucket = (example: string) =>
  z
    .string()
    .refine((name) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes("..") && !/^\d+\.\d+\.\d+\.\d+$/.test(name), {
      error: `must be an S3 bucket name such as ${example}`,
    });

/** The variables that say which Identity Center instance and which credentials: the bot's and policy:check --aws. */
const awsShape = {
  JIT_SSO_INSTANCE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/, {
      error: "must be an Identity Center instance ARN like arn:aws:sso:::instance/ssoins-1234567890abcdef",
    })
    .optional(),
  JIT_IDENTITY_STORE_ID: z
    .string()
    .regex(/^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
      error: "must be an identity store id like d-1234567890",
    })
    .optional(),
  AWS_ROLE_ARN: z
    .string()
    .regex(ROLE_ARN, {
      error: "must be an IAM role ARN like arn:aws:iam::123456789012:role/jit-slack",
    })
    .optional(),
  AWS_WEB_IDENTITY_TOKEN_FILE: z.string().optional(),
  JIT_AWS_CALLS_PER_SECOND: positiveInt(10).pipe(
    z.number().max(20, { error: "must stay under Identity Center's shared quota of 20 calls/s" }),
  ),
  JIT_AWS_POLL_INTERVAL_MS: positiveInt(1000),
};

const awsSchema = z.object(awsShape);

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: "required: the bot user OAuth token (xoxb-…)" })
    .startsWith("xoxb-", { error: "must be a bot token starting with xoxb-" }),
  SLACK_SIGNING_SECRET: z
    .string({ error: "required: the app's signing secret (Basic Information → App Credentials)" })
    .min(1, { error: "must not be empty" }),
  SLACK_APP_TOKEN: z
    .string()
    .startsWith("xapp-", { error: "must be an app-level token starting with xapp- (or unset for HTTP mode)" })
    .optional(),
  SLACK_API_URL: z
    .url({ error: "must be a URL such as https://slack.com/api/" })
    .transform((url) => (url.endsWith("/") ? url : `${url}/`))
    .optional(),
  PORT: z.coerce.number({ error: "must be a port number" }).int().min(0).max(65535).default(3000),
  JIT_HTTP_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, { error: "must be an address to listen on, such as 127.0.0.1, 0.0.0.0 or ::" })
    .optional(),
  JIT_POLICY_FILE: z.string().min(1).default("policy.yaml"),
  JIT_DATABASE_FILE: z.string().min(1).optional(),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a PostgreSQL URL such as postgres://jit:secret@db.internal:5432/jit" })
    .optional(),
  DATABASE_MIGRATION_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a PostgreSQL URL such as postgres://jit_owner:secret@db.internal:5432/jit" })
    .optional(),
  JIT_ALLOW_PRIVILEGED_DATABASE_ROLE: z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
  JIT_AUDIT_CHANNEL: z
    .string({ error: "required: the id of the channel that receives the audit feed (C…)" })
    .regex(/^[CG][A-Z0-9]{2,}$/, { error: "must be a Slack channel id such as C0123456789" }),
  JIT_ACCESS_PORTAL_URL: z
    .string({ error: "required: your AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start" })
    .pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://d-1234567890.awsapps.com/start" })),
  ...awsShape,
  JIT_SWEEP_INTERVAL_SECONDS: positiveInt(5).pipe(z.number().max(59, { error: "must be at most 59" })),
  JIT_REVOCATION_ALERT_AFTER: positiveInt(5),
  JIT_RECONCILE_INTERVAL_MINUTES: z.coerce
    .number({ error: "must be a whole number of minutes, 0 to turn reconciliation off" })
    .int()
    .min(0)
    .max(59, { error: "must be at most 59 (minutes)" })
    .default(15),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  JIT_HEALTH_PORT: z.coerce.number({ error: "must be a port number" }).int().min(0).max(65535).optional(),
  JIT_HEALTH_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, { error: "must be an address to listen on, such as 127.0.0.1, 0.0.0.0 or ::" })
    .default(DEFAULT_HEALTH_HOST),
  JIT_SHUTDOWN_TIMEOUT_SECONDS: positiveInt(20).pipe(z.number().max(600, { error: "must be at most 600 (seconds)" })),
  JIT_MAX_REQUESTS_IN_PROGRESS: z.coerce
    .number({ error: "must be a whole number of requests" })
    .int({ error: "must be a whole number of requests" })
    .min(1, { error: "must be at least 1" })
    .max(100_000, { error: "must be at most 100000" })
    .default(500),
  JIT_AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  JIT_AUDIT_KMS_KEY_ID: z
    .string()
    .regex(/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/+=,.@-]+|alias\/[\w/+=,.@-]+|[0-9a-f-]{36}|mrk-[0-9a-f]{32})$/, {
      error: "must be a KMS key id, key ARN, alias name (alias/…) or alias ARN",
    })
    .optional(),
  JIT_AUDIT_ANCHOR_FILE: z.string().min(1).optional(),
  JIT_AUDIT_S3_BUCKET: s3Bucket("acme-jit-audit").optional(),
  JIT_AUDIT_S3_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9!_.*'()/-]*$/, { error: "must be a key prefix of letters, digits and !_.*'()/-" })
    .default("jit-slack-audit/"),
  JIT_AUDIT_S3_LOCK_MODE: z.enum(["COMPLIANCE", "GOVERNANCE"], { error: "must be COMPLIANCE or GOVERNANCE" }).default("COMPLIANCE"),
  JIT_AUDIT_S3_RETENTION_DAYS: z.coerce
    .number({ error: "must be a whole number of days" })
    .int({ error: "must be a whole number of days" })
    .min(1, { error: "must be at least 1" })
    .max(36_500, { error: "must be at most 36500 (100 years)" })
    .default(365),
  JIT_AUDIT_S3_RECORDS: z.enum(["true", "false"], { error: "must be true or false" }).default("true"),
  JIT_AUDIT_CHECKPOINT_RECORDS: z.coerce
    .number({ error: "must be a whole number of records" })
    .int({ error: "must be a whole number of records" })
    .min(1, { error: "must be at least 1" })
    .max(100_000, { error: "must be at most 100000" })
    .default(100),
  JIT_ACTIVITY_DIGEST: z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
  JIT_ACTIVITY_ROLE_NAME: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, { error: "must be an IAM role name such as jit-slack-activity-reader" })
    .default("jit-slack-activity-reader"),
  JIT_ACTIVITY_REGIONS: z
    .string()
    .transform((value, ctx) => {
      const regions = value
        .split(",")
        .map((region) => region.trim())
        .filter((region) => region !== "");
      const wrong = regions.find((region) => !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region));
      if (wrong !== undefined || regions.length === 0) {
        ctx.addIssue({
          code: "custom",
          message: `must be AWS regions such as us-east-1,eu-west-1${wrong ? ` ("${wrong}" is not one)` : ""}`,
        });
        return z.NEVER;
      }
      return regions;
    })
    .default(["us-east-1"]),
  JIT_ACTIVITY_SOURCE: z
    .enum(["lookup", "s3"], { error: "must be lookup (CloudTrail event history) or s3 (an organization trail's bucket)" })
    .default("lookup"),
  JIT_ACTIVITY_TRAIL_BUCKET: s3Bucket("acme-org-cloudtrail").optional(),
  // The trail's S3KeyPrefix: CloudTrail writes <prefix>/AWSLogs/…, so a trailing slash is dropped.
  JIT_ACTIVITY_TRAIL_PREFIX: z
    .string()
    .max(200, { error: "must be at most 200 characters, as a trail's S3 key prefix is" })
    .regex(/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/?$/, {
      error:
        "must be the trail's S3 key prefix such as org-trail or logs/cloudtrail (letters, digits, !_.*'()- and single slashes, not leading)",
    })
    .transform((prefix) => prefix.replace(/\/$/, ""))
    .optional(),
  JIT_ACTIVITY_ORGANIZATION_ID: z
    .string()
    .regex(/^o-[a-z0-9]{10,32}$/, { error: "must be an AWS Organizations id such as o-a1b2c3d4e5" })
    .optional(),
  JIT_ACTIVITY_TRAIL_ROLE_ARN: z
    .string()
    .regex(ROLE_ARN, { error: "must be an IAM role ARN like arn:aws:iam::123456789012:role/jit-slack-trail-reader" })
    .optional(),
  JIT_ACTIVITY_DELAY_MINUTES: z.coerce
    .number({ error: "must be a whole number of minutes" })
    .int({ error: "must be a whole number of minutes" })
    .min(0, { error: "must be at least 0" })
    .max(1_440, { error: "must be at most 1440 (a day)" })
    .default(15),
  JIT_ACTIVITY_FLAGGED_ACTIONS: z
    .string()
    .transform((value, ctx) => {
      try {
        return parseFlaggedActions(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    })
    .default([]),
  JIT_AUDIT_CHECKPOINT_MINUTES: z.coerce
    .number({ error: "must be a whole number of minutes" })
    .int({ error: "must be a whole number of minutes" })
    .min(1, { error: "must be at least 1" })
    .max(1_440, { error: "must be at most 1440 (a day)" })
    .default(5),
});

export interface Config {
  readonly slack: {
    readonly botToken: string;
    readonly signingSecret: string;
    readonly appToken: string | undefined;
    readonly apiUrl: string | undefined;
    readonly port: number;
    /** The address PORT listens on; undefined: every interface. */
    readonly host: string | undefined;
  };
  readonly policyFile: string;
  readonly database: DatabaseConfig;
  readonly auditChannel: string;
  readonly accessPortalUrl: string;
  readonly aws: AwsConfig;
  readonly sweepIntervalSeconds: number;
  /** Minutes between comparisons of grants with AWS; 0 turns reconciliation off. */
  readonly reconcileIntervalMinutes: number;
  /** Failed attempts at one revocation before the audit channel is alerted. */
  readonly revocationAlertAfter: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly audit: {
    /** Start even when the PostgreSQL role could alter the audit trail (an owner, a superuser), with a warning. */
    readonly allowPrivilegedDatabaseRole: boolean;
    /** The Ed25519 private key that signs checkpoints… */
    readonly signingKeyFile: string | undefined;
    /** …or the KMS key (ECC_NIST_EDWARDS25519) that does; neither: no checkpoints. */
    readonly kmsKeyId: string | undefined;
    /** A local file that receives every record and checkpoint as JSON lines, at each checkpoint. */
    readonly anchorFile: string | undefined;
    /** An S3 bucket with Object Lock that receives every checkpoint (and the records, unless told not to). */
    readonly s3: S3Anchor | undefined;
    readonly checkpoint: {
      /** A checkpoint once this many records are not covered by one… */
      readonly records: number;
      /** …or once the oldest record not covered has waited this long, whichever comes first. */
      readonly intervalMs: number;
    };
  };
  /** What the bot reports of each ended grant's CloudTrail activity; undefined when JIT_ACTIVITY_DIGEST is not true. */
  readonly activity: ActivityConfig | undefined;
  readonly ops: {
    /**
     * Port of its own for /healthz, /readyz and /metrics (default 8080); undefined serves them all on
     * the Slack PORT, which the operator asks for by setting JIT_HEALTH_PORT to PORT (HTTP mode only).
     */
    readonly healthPort: number | undefined;
    /** Where the health port listens: loopback unless the operator opens it (probes, Prometheus). */
    readonly healthHost: string;
    /** How long shutdown waits for work in progress before parking it for the next start. */
    readonly shutdownTimeoutSeconds: number;
    /**
     * How many access requests and extensions may be acknowledged and still being stored and posted;
     * past it the next waits for a slot before its ack, and is refused as busy if none frees up.
     */
    readonly maxRequestsInProgress: number;
  };
}

export interface AwsConfig {
  readonly instanceArn: string | undefined;
  readonly identityStoreId: string | undefined;
  /** A role to assume with STS for all AWS calls (not with web identity, where the SDK assumes AWS_ROLE_ARN itself). */
  readonly assumeRoleArn: string | undefined;
  readonly callsPerSecond: number;
  readonly pollIntervalMs: number;
}

export interface ActivityConfig {
  /** Where the events are read: CloudTrail event history (LookupEvents) or an organization trail's bucket. */
  readonly source: ActivitySourceConfig;
  /** The read-only role the bot assumes in each target account for cloudtrail:LookupEvents. */
  readonly roleName: string;
  readonly regions: readonly string[];
  /** How long after a grant's window closes CloudTrail is given to deliver its events. */
  readonly delayMs: number;
  /** Flagged beside the built-in risky actions. */
  readonly flagged: readonly FlaggedActionPattern[];
}

export type ActivitySourceConfig = { readonly kind: "lookup" } | ({ readonly kind: "s3" } & TrailConfig);

/** An organization trail's log files: <bucket>/<prefix>/AWSLogs/<organization id>/<account>/CloudTrail/<region>/YYYY/MM/DD/. */
export interface TrailConfig {
  readonly bucket: string;
  /** Without a trailing slash; "" when the trail has no prefix. */
  readonly prefix: string;
  readonly organizationId: string;
  /** A role to assume for reading the bucket (in the log-archive account, say); undefined: the bot's own credentials. */
  readonly roleArn: string | undefined;
}

export interface S3Anchor {
  readonly bucket: string;
  /** Prepended to every key: `<prefix>checkpoints/…`, `<prefix>records/…`. */
  readonly prefix: string;
  readonly lockMode: "COMPLIANCE" | "GOVERNANCE";
  readonly retentionDays: number;
  /** Whether the records go there too, as JSON lines, or only the checkpoints. */
  readonly records: boolean;
}

/** SQLite (the embedded default, one process) or PostgreSQL (DATABASE_URL, one or more replicas). */
export type DatabaseConfig =
  | { readonly kind: "sqlite"; readonly file: string }
  | {
      readonly kind: "postgres";
      readonly url: string;
      /** The tables' owner, for migrations (and the bot's grants); the bot itself runs as `url`. */
      readonly migrationUrl?: string;
    };

const DEFAULT_DATABASE_FILE = "jit.sqlite";

const DEFAULT_HEALTH_PORT = 8080;

/** Blank values count as unset: `.env` files often carry `KEY=` for optional values. */
function withoutEmpty(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ""),
  );
}

function parseEnv<S extends z.ZodType>(schema: S, env: Readonly<Record<string, string | undefined>>): z.infer<S> {
  const parsed = schema.safeParse(withoutEmpty(env));
  if (!parsed.success) throw new ConfigError("The environment", describeIssues(parsed.error.issues));
  return parsed.data;
}

/** Only the AWS part, for tools that talk to AWS without Slack or a database (policy:check --aws). */
export function loadAwsConfig(env: Readonly<Record<string, string | undefined>>): AwsConfig {
  return awsConfigOf(parseEnv(awsSchema, env));
}

function awsConfigOf(e: z.infer<typeof awsSchema>): AwsConfig {
  return Object.freeze({
    instanceArn: e.JIT_SSO_INSTANCE_ARN,
    identityStoreId: e.JIT_IDENTITY_STORE_ID,
    assumeRoleArn: e.AWS_WEB_IDENTITY_TOKEN_FILE ? undefined : e.AWS_ROLE_ARN,
    callsPerSecond: e.JIT_AWS_CALLS_PER_SECOND,
    pollIntervalMs: e.JIT_AWS_POLL_INTERVAL_MS,
  });
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const e = parseEnv(envSchema, env);
  if (e.DATABASE_MIGRATION_URL && !e.DATABASE_URL) {
    throw new ConfigError("The environment", [
      "DATABASE_MIGRATION_URL is set without DATABASE_URL: it names the owner that migrates a PostgreSQL database, so set DATABASE_URL for the bot's own role too",
    ]);
  }
  if (e.JIT_AUDIT_SIGNING_KEY_FILE && e.JIT_AUDIT_KMS_KEY_ID) {
    throw new ConfigError("The environment", [
      "JIT_AUDIT_SIGNING_KEY_FILE and JIT_AUDIT_KMS_KEY_ID are both set: checkpoints are signed with one key, a file or a KMS key, not both",
    ]);
  }
  if (e.DATABASE_URL && e.JIT_DATABASE_FILE) {
    throw new ConfigError("The environment", [
      "DATABASE_URL and JIT_DATABASE_FILE are both set: set DATABASE_URL for PostgreSQL or JIT_DATABASE_FILE for SQLite, not both",
    ]);
  }
  const healthPort = healthPortOf(e);
  return Object.freeze({
    slack: Object.freeze({
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      port: e.PORT,
      host: e.JIT_HTTP_HOST,
    }),
    policyFile: e.JIT_POLICY_FILE,
    database: Object.freeze(
      e.DATABASE_URL
        ? {
            kind: "postgres" as const,
            url: e.DATABASE_URL,
            ...(e.DATABASE_MIGRATION_URL ? { migrationUrl: e.DATABASE_MIGRATION_URL } : {}),
          }
        : { kind: "sqlite" as const, file: e.JIT_DATABASE_FILE ?? DEFAULT_DATABASE_FILE },
    ),
    auditChannel: e.JIT_AUDIT_CHANNEL,
    accessPortalUrl: e.JIT_ACCESS_PORTAL_URL,
    aws: awsConfigOf(e),
    sweepIntervalSeconds: e.JIT_SWEEP_INTERVAL_SECONDS,
    revocationAlertAfter: e.JIT_REVOCATION_ALERT_AFTER,
    reconcileIntervalMinutes: e.JIT_RECONCILE_INTERVAL_MINUTES,
    logLevel: e.LOG_LEVEL,
    audit: Object.freeze({
      allowPrivilegedDatabaseRole: e.JIT_ALLOW_PRIVILEGED_DATABASE_ROLE === "true",
      signingKeyFile: e.JIT_AUDIT_SIGNING_KEY_FILE,
      kmsKeyId: e.JIT_AUDIT_KMS_KEY_ID,
      anchorFile: e.JIT_AUDIT_ANCHOR_FILE,
      s3: e.JIT_AUDIT_S3_BUCKET
        ? Object.freeze({
            bucket: e.JIT_AUDIT_S3_BUCKET,
            prefix: e.JIT_AUDIT_S3_PREFIX,
            lockMode: e.JIT_AUDIT_S3_LOCK_MODE,
            retentionDays: e.JIT_AUDIT_S3_RETENTION_DAYS,
            records: e.JIT_AUDIT_S3_RECORDS === "true",
          })
        : undefined,
      checkpoint: Object.freeze({ records: e.JIT_AUDIT_CHECKPOINT_RECORDS, intervalMs: e.JIT_AUDIT_CHECKPOINT_MINUTES * 60_000 }),
    }),
    activity:
      e.JIT_ACTIVITY_DIGEST === "true"
        ? Object.freeze({
            source: activitySourceOf(e),
            roleName: e.JIT_ACTIVITY_ROLE_NAME,
            regions: Object.freeze([...e.JIT_ACTIVITY_REGIONS]),
            delayMs: e.JIT_ACTIVITY_DELAY_MINUTES * 60_000,
            flagged: Object.freeze([...e.JIT_ACTIVITY_FLAGGED_ACTIONS]),
          })
        : undefined,
    ops: Object.freeze({
      healthPort,
      healthHost: e.JIT_HEALTH_HOST,
      shutdownTimeoutSeconds: e.JIT_SHUTDOWN_TIMEOUT_SECONDS,
      maxRequestsInProgress: e.JIT_MAX_REQUESTS_IN_PROGRESS,
    }),
  });
}

const TRAIL_VARIABLES = [
  "JIT_ACTIVITY_TRAIL_BUCKET",
  "JIT_ACTIVITY_TRAIL_PREFIX",
  "JIT_ACTIVITY_ORGANIZATION_ID",
  "JIT_ACTIVITY_TRAIL_ROLE_ARN",
] as const;

/**
 * CloudTrail event history, or the organization trail's bucket with what locates it. Trail settings
 * without JIT_ACTIVITY_SOURCE=s3 are refused: the operator meant a source the bot would not read.
 */
function activitySourceOf(e: z.infer<typeof envSchema>): ActivitySourceConfig {
  if (e.JIT_ACTIVITY_SOURCE === "lookup") {
    const stray = TRAIL_VARIABLES.filter((name) => e[name] !== undefined);
    if (stray.length > 0) {
      throw new ConfigError("The environment", [
        `${stray.join(", ")} ${stray.length === 1 ? "is" : "are"} set but JIT_ACTIVITY_SOURCE is lookup (CloudTrail event history): set JIT_ACTIVITY_SOURCE=s3 to read the organization trail's bucket, or unset ${stray.length === 1 ? "it" : "them"}`,
      ]);
    }
    return Object.freeze({ kind: "lookup" as const });
  }
  const problems = [
    ...(e.JIT_ACTIVITY_TRAIL_BUCKET === undefined
      ? ["JIT_ACTIVITY_TRAIL_BUCKET: required with JIT_ACTIVITY_SOURCE=s3: the bucket the organization trail writes to"]
      : []),
    ...(e.JIT_ACTIVITY_ORGANIZATION_ID === undefined
      ? [
          "JIT_ACTIVITY_ORGANIZATION_ID: required with JIT_ACTIVITY_SOURCE=s3: the organization's id (o-…), which organization trails write under AWSLogs/<id>/",
        ]
      : []),
  ];
  if (problems.length > 0 || e.JIT_ACTIVITY_TRAIL_BUCKET === undefined || e.JIT_ACTIVITY_ORGANIZATION_ID === undefined) {
    throw new ConfigError("The environment", problems);
  }
  return Object.freeze({
    kind: "s3" as const,
    bucket: e.JIT_ACTIVITY_TRAIL_BUCKET,
    prefix: e.JIT_ACTIVITY_TRAIL_PREFIX ?? "",
    organizationId: e.JIT_ACTIVITY_ORGANIZATION_ID,
    roleArn: e.JIT_ACTIVITY_TRAIL_ROLE_ARN,
  });
}

/**
 * /readyz and /metrics say what the bot runs on and how it fares, so they have a port of their own
 * by default. Naming the Slack PORT (other than 0, "any free port") is the operator's explicit
 * choice to serve them there; the default colliding with PORT is a mistake to point out.
 */
function healthPortOf(e: z.infer<typeof envSchema>): number | undefined {
  if (e.SLACK_APP_TOKEN) return e.JIT_HEALTH_PORT ?? DEFAULT_HEALTH_PORT;
  if (e.JIT_HEALTH_PORT !== undefined) return e.JIT_HEALTH_PORT === e.PORT && e.PORT !== 0 ? undefined : e.JIT_HEALTH_PORT;
  if (e.PORT === DEFAULT_HEALTH_PORT) {
    throw new ConfigError("The environment", [
      `PORT=${e.PORT} is also where /readyz and /metrics are served by default: set JIT_HEALTH_PORT to another port, or to ${e.PORT} to serve them to whoever reaches the Slack port`,
    ]);
  }
  return DEFAULT_HEALTH_PORT;
}

/** Where the data lives, safe to print: the SQLite path, or the PostgreSQL URL without its password. */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.kind === "sqlite") return `SQLite ${database.file}`;
  return `PostgreSQL ${withoutPassword(database.url)}`;
}

/** The URL with any password (in its user part or as a `password` parameter) replaced by `***`. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    if (parsed.searchParams.has("password")) parsed.searchParams.set("password", "***");
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}
