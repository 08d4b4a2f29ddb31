// The environment, parsed once into a frozen Config; every problem names its variable.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { describeDatabase, loadConfig } from "../../src/config/env.js";
import { ConfigError } from "../../src/config/problems.js";

const MINIMAL = {
  SLACK_BOT_TOKEN: "xoxb-1-2-abc",
  SLACK_SIGNING_SECRET: "s3cret",
  JIT_AUDIT_CHANNEL: "C0AUDIT",
  JIT_ACCESS_PORTAL_URL: "https://d-1234567890.awsapps.com/start",
} as const;

const REQUIRED = Object.keys(MINIMAL) as Array<keyof typeof MINIMAL>;

/** The problems loadConfig reports for this environment; fails the test if it loads. */
function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.source, "The environment");
    return error.problems;
  }
  assert.fail("expected the environment to be refused");
}

/** The single problem reported when `key` is set to `value` on top of the minimal environment. */
function problemWith(key: string, value: string): string {
  const problems = problemsOf({ ...MINIMAL, [key]: value });
  assert.equal(problems.length, 1, `expected exactly one problem, got ${JSON.stringify(problems)}`);
  const [problem = ""] = problems;
  assert.ok(problem.startsWith(`${key}: `), `"${problem}" should name ${key}`);
  return problem;
}

describe("loadConfig", () => {
  it("reads the activity digest settings, with their defaults, only when JIT_ACTIVITY_DIGEST is true", () => {
    assert.deepEqual(loadConfig({ ...MINIMAL, JIT_ACTIVITY_DIGEST: "true" }).activity, {
      source: { kind: "lookup" },
      roleName: "jit-slack-activity-reader",
      regions: ["us-east-1"],
      delayMs: 15 * 60_000,
      flagged: [],
    });
    const set = loadConfig({
      ...MINIMAL,
      JIT_ACTIVITY_DIGEST: "true",
      JIT_ACTIVITY_ROLE_NAME: "audit-reader",
      JIT_ACTIVITY_REGIONS: "eu-west-1, eu-central-1",
      JIT_ACTIVITY_DELAY_MINUTES: "30",
      JIT_ACTIVITY_FLAGGED_ACTIONS: "ec2:TerminateInstances,lambda:Delete*",
    }).activity;
    assert.deepEqual(set?.regions, ["eu-west-1", "eu-central-1"]);
    assert.equal(set?.delayMs, 30 * 60_000);
    assert.deepEqual(set?.flagged, [
      { service: "ec2", eventName: "TerminateInstances" },
      { service: "lambda", eventName: "Delete*" },
    ]);
    assert.match(problemWith("JIT_ACTIVITY_REGIONS", "Frankfurt"), /AWS regions/);
    assert.match(problemWith("JIT_ACTIVITY_FLAGGED_ACTIONS", "TerminateInstances"), /service:Action/);
  });

  it("reads an organization trail's bucket with JIT_ACTIVITY_SOURCE=s3, its prefix without a trailing slash", () => {
    const S3 = { ...MINIMAL, JIT_ACTIVITY_DIGEST: "true", JIT_ACTIVITY_SOURCE: "s3" };
    assert.deepEqual(
      loadConfig({ ...S3, JIT_ACTIVITY_TRAIL_BUCKET: "acme-org-trail", JIT_ACTIVITY_ORGANIZATION_ID: "o-a1b2c3d4e5" }).activity?.source,
      { kind: "s3", bucket: "acme-org-trail", prefix: "", organizationId: "o-a1b2c3d4e5", roleArn: undefined },
    );
    const full = loadConfig({
      ...S3,
      JIT_ACTIVITY_TRAIL_BUCKET: "acme-org-trail",
      JIT_ACTIVITY_TRAIL_PREFIX: "logs/cloudtrail/",
      JIT_ACTIVITY_ORGANIZATION_ID: "o-a1b2c3d4e5",
      JIT_ACTIVITY_TRAIL_ROLE_ARN: "arn:aws:iam::222222222222:role/jit-slack-trail-reader",
    }).activity?.source;
    assert.deepEqual(full, {
      kind: "s3",
      bucket: "acme-org-trail",
      prefix: "logs/cloudtrail",
      organizationId: "o-a1b2c3d4e5",
      roleArn: "arn:aws:iam::222222222222:role/jit-slack-trail-reader",
    });
  });

  it("refuses an S3 source without its bucket or organization id, and trail settings without the S3 source", () => {
    const S3 = { ...MINIMAL, JIT_ACTIVITY_DIGEST: "true", JIT_ACTIVITY_SOURCE: "s3" };
    assert.deepEqual(problemsOf(S3), [
      "JIT_ACTIVITY_TRAIL_BUCKET: required with JIT_ACTIVITY_SOURCE=s3: the bucket the organization trail writes to",
      "JIT_ACTIVITY_ORGANIZATION_ID: required with JIT_ACTIVITY_SOURCE=s3: the organization's id (o-…), which organization trails write under AWSLogs/<id>/",
    ]);
    assert.deepEqual(problemsOf({ ...S3, JIT_ACTIVITY_TRAIL_BUCKET: "acme-org-trail" }).length, 1);
    const [stray = ""] = problemsOf({ ...MINIMAL, JIT_ACTIVITY_DIGEST: "true", JIT_ACTIVITY_TRAIL_BUCKET: "acme-org-trail" });
    assert.match(stray, /^JIT_ACTIVITY_TRAIL_BUCKET is set but JIT_ACTIVITY_SOURCE is lookup/);
    assert.match(problemWith("JIT_ACTIVITY_SOURCE", "cloudtrail-lake"), /must be lookup .* or s3/);
    for (const bucket of ["Acme-Trail", "ab", "acme..trail", "192.168.1.10", "acme_trail", "-acme"]) {
      assert.match(problemWith("JIT_ACTIVITY_TRAIL_BUCKET", bucket), /must be an S3 bucket name/, bucket);
    }
    for (const prefix of ["/logs", "logs//trail", "logs trail", "a".repeat(201)]) {
      assert.match(problemWith("JIT_ACTIVITY_TRAIL_PREFIX", prefix), /S3 key prefix/, prefix);
    }
    for (const id of ["o-short", "O-A1B2C3D4E5", "r-a1b2c3d4e5", "a1b2c3d4e5"]) {
      assert.match(problemWith("JIT_ACTIVITY_ORGANIZATION_ID", id), /AWS Organizations id/, id);
    }
    assert.match(problemWith("JIT_ACTIVITY_TRAIL_ROLE_ARN", "jit-slack-trail-reader"), /IAM role ARN/);
  });

  it("loads the minimal environment and fills in every default", () => {
    assert.deepEqual(loadConfig(MINIMAL), {
      slack: {
        botToken: "xoxb-1-2-abc",
        signingSecret: "s3cret",
        appToken: undefined,
        apiUrl: undefined,
        port: 3000,
        host: undefined,
      },
      policyFile: "policy.yaml",
      database: { kind: "sqlite", file: "jit.sqlite" },
      auditChannel: "C0AUDIT",
      accessPortalUrl: "https://d-1234567890.awsapps.com/start",
      activity: undefined,
      aws: {
        instanceArn: undefined,
        identityStoreId: undefined,
        assumeRoleArn: undefined,
        callsPerSecond: 10,
        pollIntervalMs: 1000,
      },
      sweepIntervalSeconds: 5,
      revocationAlertAfter: 5,
      reconcileIntervalMinutes: 15,
      logLevel: "info",
      audit: {
        allowPrivilegedDatabaseRole: false,
        signingKeyFile: undefined,
        kmsKeyId: undefined,
        anchorFile: undefined,
        s3: undefined,
        checkpoint: { records: 100, intervalMs: 5 * 60_000 },
      },
      ops: { healthPort: 8080, healthHost: "127.0.0.1", shutdownTimeoutSeconds: 20, maxRequestsInProgress: 500 },
    });
  });

  it("reads every optional setting when given", () => {
    const config = loadConfig({
      ...MINIMAL,
      SLACK_APP_TOKEN: "xapp-1-A0-xyz",
      SLACK_API_URL: "http://127.0.0.1:4000/api/",
      PORT: "8080",
      JIT_POLICY_FILE: "/etc/jit/policy.yaml",
      JIT_DATABASE_FILE: "/var/lib/jit/jit.sqlite",
      JIT_SSO_INSTANCE_ARN: "arn:aws:sso:::instance/ssoins-1234567890abcdef",
      JIT_IDENTITY_STORE_ID: "d-1234567890",
      JIT_SWEEP_INTERVAL_SECONDS: "30",
      JIT_AWS_CALLS_PER_SECOND: "20",
      JIT_AWS_POLL_INTERVAL_MS: "250",
      LOG_LEVEL: "debug",
    });
    assert.equal(config.slack.appToken, "xapp-1-A0-xyz");
    assert.equal(config.slack.apiUrl, "http://127.0.0.1:4000/api/");
    assert.equal(config.slack.port, 8080);
    assert.equal(config.policyFile, "/etc/jit/policy.yaml");
    assert.deepEqual(config.database, { kind: "sqlite", file: "/var/lib/jit/jit.sqlite" });
    assert.equal(config.aws.instanceArn, "arn:aws:sso:::instance/ssoins-1234567890abcdef");
    assert.equal(config.aws.identityStoreId, "d-1234567890");
    assert.equal(config.sweepIntervalSeconds, 30);
    assert.equal(config.aws.callsPerSecond, 20);
    assert.equal(config.aws.pollIntervalMs, 250);
    assert.equal(config.logLevel, "debug");
  });

  it("accepts an identity store id in UUID form", () => {
    const config = loadConfig({ ...MINIMAL, JIT_IDENTITY_STORE_ID: "0123abcd-0123-abcd-0123-0123456789ab" });
    assert.equal(config.aws.identityStoreId, "0123abcd-0123-abcd-0123-0123456789ab");
  });

  it("accepts a private channel (G…) for the audit feed", () => {
    assert.equal(loadConfig({ ...MINIMAL, JIT_AUDIT_CHANNEL: "G0PRIVATE" }).auditChannel, "G0PRIVATE");
  });

  it("ignores variables it does not know", () => {
    assert.doesNotThrow(() => loadConfig({ ...MINIMAL, HOME: "/root", AWS_REGION: "eu-west-1" }));
  });

  for (const key of REQUIRED) {
    it(`names ${key} as the one problem when it is missing`, () => {
      const env: Record<string, string> = { ...MINIMAL };
      delete env[key];
      const problems = problemsOf(env);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0] ?? "", new RegExp(`^${key}: required`));
    });
  }

  it("names every required variable, one problem each, for an empty environment", () => {
    const problems = problemsOf({});
    assert.deepEqual(
      problems.map((problem) => problem.split(":")[0]),
      ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "JIT_AUDIT_CHANNEL", "JIT_ACCESS_PORTAL_URL"],
    );
  });

  it("treats empty strings as unset: required ones are missing, optional ones take their default", () => {
    const emptied = Object.fromEntries(REQUIRED.map((key) => [key, ""]));
    assert.equal(problemsOf(emptied).length, REQUIRED.length);
    const config = loadConfig({
      ...MINIMAL,
      SLACK_APP_TOKEN: "",
      SLACK_API_URL: "",
      PORT: "",
      LOG_LEVEL: "",
      JIT_AWS_CALLS_PER_SECOND: "",
      JIT_POLICY_FILE: "",
    });
    assert.equal(config.slack.appToken, undefined);
    assert.equal(config.slack.apiUrl, undefined);
    assert.equal(config.slack.port, 3000);
    assert.equal(config.logLevel, "info");
    assert.equal(config.aws.callsPerSecond, 10);
    assert.equal(config.policyFile, "policy.yaml");
  });

  it("treats undefined values as unset", () => {
    assert.equal(loadConfig({ ...MINIMAL, PORT: undefined }).slack.port, 3000);
  });

  it("refuses a token that is not a bot token", () => {
    assert.equal(problemWith("SLACK_BOT_TOKEN", "xoxp-1-2-abc"), "SLACK_BOT_TOKEN: must be a bot token starting with xoxb-");
  });

  it("refuses an app token that is not an app-level token", () => {
    problemWith("SLACK_APP_TOKEN", "xoxb-1-2-abc");
  });

  for (const channel of ["#audit", "audit", "C", "c0audit", "U0AUDIT"]) {
    it(`refuses "${channel}" as the audit channel id`, () => {
      assert.equal(problemWith("JIT_AUDIT_CHANNEL", channel), "JIT_AUDIT_CHANNEL: must be a Slack channel id such as C0123456789");
    });
  }

  it("refuses a portal URL that is not a URL", () => {
    problemWith("JIT_ACCESS_PORTAL_URL", "not a url");
  });

  it("says a malformed portal URL is malformed rather than missing", () => {
    assert.equal(
      problemWith("JIT_ACCESS_PORTAL_URL", "not a url"),
      "JIT_ACCESS_PORTAL_URL: must be an http(s) URL such as https://d-1234567890.awsapps.com/start",
    );
    assert.match(problemWith("JIT_ACCESS_PORTAL_URL", "javascript:alert(1)"), /must be an http\(s\) URL/);
  });

  it("refuses a Slack API URL that is not a URL", () => {
    assert.equal(problemWith("SLACK_API_URL", "slack.com/api"), "SLACK_API_URL: must be a URL such as https://slack.com/api/");
  });

  it("adds the trailing slash SLACK_API_URL needs, and keeps one that is there", () => {
    assert.equal(loadConfig({ ...MINIMAL, SLACK_API_URL: "http://127.0.0.1:4000/api" }).slack.apiUrl, "http://127.0.0.1:4000/api/");
    assert.equal(loadConfig({ ...MINIMAL, SLACK_API_URL: "http://127.0.0.1:4000/api/" }).slack.apiUrl, "http://127.0.0.1:4000/api/");
  });

  for (const port of ["65536", "70000", "-1", "1.5", "http"]) {
    it(`refuses PORT=${port}`, () => {
      problemWith("PORT", port);
    });
  }

  it("accepts the ends of the port range", () => {
    assert.equal(loadConfig({ ...MINIMAL, PORT: "0" }).slack.port, 0);
    assert.equal(loadConfig({ ...MINIMAL, PORT: "65535" }).slack.port, 65535);
  });

  it("treats a whitespace-only PORT as unset (the default 3000), not as port 0", () => {
    assert.equal(loadConfig({ ...MINIMAL, PORT: " " }).slack.port, 3000);
  });

  it("refuses more than 20 AWS calls per second, Identity Center's shared quota", () => {
    assert.equal(
      problemWith("JIT_AWS_CALLS_PER_SECOND", "21"),
      "JIT_AWS_CALLS_PER_SECOND: must stay under Identity Center's shared quota of 20 calls/s",
    );
  });

  for (const value of ["0", "-5", "2.5", "many"]) {
    it(`refuses JIT_AWS_CALLS_PER_SECOND=${value}`, () => {
      problemWith("JIT_AWS_CALLS_PER_SECOND", value);
    });
  }

  it("refuses a sweep interval over 59 seconds", () => {
    assert.equal(problemWith("JIT_SWEEP_INTERVAL_SECONDS", "60"), "JIT_SWEEP_INTERVAL_SECONDS: must be at most 59");
  });

  it("refuses a poll interval that is not a positive integer", () => {
    problemWith("JIT_AWS_POLL_INTERVAL_MS", "0");
  });

  it("refuses an unknown log level, listing the known ones", () => {
    assert.equal(problemWith("LOG_LEVEL", "verbose"), "LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent");
  });

  it("refuses an instance ARN and an identity store id of the wrong shape", () => {
    problemWith("JIT_SSO_INSTANCE_ARN", "arn:aws:sso:::instance/foo");
    problemWith("JIT_IDENTITY_STORE_ID", "1234567890");
  });

  it("reports every malformed value at once", () => {
    const problems = problemsOf({
      ...MINIMAL,
      SLACK_BOT_TOKEN: "xoxp-1",
      JIT_AUDIT_CHANNEL: "#audit",
      PORT: "70000",
      JIT_AWS_CALLS_PER_SECOND: "21",
    });
    assert.deepEqual(problems.map((problem) => problem.split(":")[0]).sort(), [
      "JIT_AUDIT_CHANNEL",
      "JIT_AWS_CALLS_PER_SECOND",
      "PORT",
      "SLACK_BOT_TOKEN",
    ]);
  });

  it("never echoes a secret value in its problems", () => {
    const problems = problemsOf({ ...MINIMAL, SLACK_BOT_TOKEN: "xoxp-super-secret-value" });
    assert.doesNotMatch(problems.join("\n"), /super-secret-value/);
  });

  it("serves health, readiness and metrics on 8080 on loopback by default, in HTTP mode as in Socket Mode", () => {
    for (const env of [MINIMAL, { ...MINIMAL, SLACK_APP_TOKEN: "xapp-1-A0-xyz" }]) {
      assert.equal(loadConfig(env).ops.healthPort, 8080);
      assert.equal(loadConfig(env).ops.healthHost, "127.0.0.1");
    }
  });

  it("gives health, readiness and metrics the port and address JIT_HEALTH_PORT and JIT_HEALTH_HOST name", () => {
    assert.equal(loadConfig({ ...MINIMAL, JIT_HEALTH_PORT: "9090" }).ops.healthPort, 9090);
    assert.equal(loadConfig({ ...MINIMAL, JIT_HEALTH_HOST: "0.0.0.0" }).ops.healthHost, "0.0.0.0");
    assert.equal(loadConfig({ ...MINIMAL, JIT_HEALTH_HOST: "::" }).ops.healthHost, "::");
    assert.equal(loadConfig({ ...MINIMAL, PORT: "0", JIT_HEALTH_PORT: "0" }).ops.healthPort, 0, "any free port, apart from the Slack one");
    assert.equal(loadConfig({ ...MINIMAL, SLACK_APP_TOKEN: "xapp-1-A0-xyz", JIT_HEALTH_PORT: "0" }).ops.healthPort, 0);
    assert.equal(problemWith("JIT_HEALTH_PORT", "http"), "JIT_HEALTH_PORT: must be a port number");
    assert.match(problemWith("JIT_HEALTH_HOST", "0.0.0.0/0"), /^JIT_HEALTH_HOST: must be an address to listen on/);
  });

  it("listens for Slack on every interface unless JIT_HTTP_HOST names one", () => {
    assert.equal(loadConfig(MINIMAL).slack.host, undefined);
    assert.equal(loadConfig({ ...MINIMAL, JIT_HTTP_HOST: "127.0.0.1" }).slack.host, "127.0.0.1");
    assert.match(problemWith("JIT_HTTP_HOST", "http://0.0.0.0"), /^JIT_HTTP_HOST: must be an address to listen on/);
  });

  it("serves them on the Slack port only when JIT_HEALTH_PORT names PORT, and says so when PORT takes the default health port", () => {
    assert.equal(
      loadConfig({ ...MINIMAL, PORT: "9090", JIT_HEALTH_PORT: "9090" }).ops.healthPort,
      undefined,
      "the operator asked for the Slack port",
    );
    assert.equal(loadConfig({ ...MINIMAL, PORT: "8080", JIT_HEALTH_PORT: "8080" }).ops.healthPort, undefined);
    assert.deepEqual(problemsOf({ ...MINIMAL, PORT: "8080" }), [
      "PORT=8080 is also where /readyz and /metrics are served by default: set JIT_HEALTH_PORT to another port, or to 8080 to serve them to whoever reaches the Slack port",
    ]);
  });

  it("reads the shutdown timeout, within bounds", () => {
    assert.equal(loadConfig({ ...MINIMAL, JIT_SHUTDOWN_TIMEOUT_SECONDS: "45" }).ops.shutdownTimeoutSeconds, 45);
    problemWith("JIT_SHUTDOWN_TIMEOUT_SECONDS", "0");
    assert.equal(problemWith("JIT_SHUTDOWN_TIMEOUT_SECONDS", "601"), "JIT_SHUTDOWN_TIMEOUT_SECONDS: must be at most 600 (seconds)");
  });

  it("reads the bound on requests in progress, within bounds", () => {
    assert.equal(loadConfig({ ...MINIMAL, JIT_MAX_REQUESTS_IN_PROGRESS: "50" }).ops.maxRequestsInProgress, 50);
    assert.equal(problemWith("JIT_MAX_REQUESTS_IN_PROGRESS", "0"), "JIT_MAX_REQUESTS_IN_PROGRESS: must be at least 1");
    assert.equal(problemWith("JIT_MAX_REQUESTS_IN_PROGRESS", "2.5"), "JIT_MAX_REQUESTS_IN_PROGRESS: must be a whole number of requests");
    assert.equal(problemWith("JIT_MAX_REQUESTS_IN_PROGRESS", "lots"), "JIT_MAX_REQUESTS_IN_PROGRESS: must be a whole number of requests");
    assert.equal(problemWith("JIT_MAX_REQUESTS_IN_PROGRESS", "100001"), "JIT_MAX_REQUESTS_IN_PROGRESS: must be at most 100000");
  });

  it("returns a frozen config, nested objects included", () => {
    const config = loadConfig(MINIMAL);
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.slack));
    assert.ok(Object.isFrozen(config.aws));
    assert.ok(Object.isFrozen(config.ops));
    assert.throws(() => {
      (config.slack as { port: number }).port = 1;
    }, TypeError);
  });

  it("uses PostgreSQL when DATABASE_URL is set, SQLite otherwise, and refuses both at once", () => {
    const url = "postgres://jit:s3cret@db.internal:5432/jit";
    assert.deepEqual(loadConfig({ ...MINIMAL, DATABASE_URL: url }).database, { kind: "postgres", url });
    assert.equal(loadConfig({ ...MINIMAL, DATABASE_URL: "postgresql://db/jit" }).database.kind, "postgres");
    assert.deepEqual(loadConfig(MINIMAL).database, { kind: "sqlite", file: "jit.sqlite" });
    assert.deepEqual(problemsOf({ ...MINIMAL, DATABASE_URL: url, JIT_DATABASE_FILE: "/var/lib/jit.sqlite" }), [
      "DATABASE_URL and JIT_DATABASE_FILE are both set: set DATABASE_URL for PostgreSQL or JIT_DATABASE_FILE for SQLite, not both",
    ]);
    const wrong = problemWith("DATABASE_URL", "mysql://root:hunter2@db/jit");
    assert.equal(wrong, "DATABASE_URL: must be a PostgreSQL URL such as postgres://jit:secret@db.internal:5432/jit");
    assert.ok(!wrong.includes("hunter2"), "the password is never repeated back");
    assert.equal(
      describeDatabase(loadConfig({ ...MINIMAL, DATABASE_URL: url }).database),
      "PostgreSQL postgres://jit:***@db.internal:5432/jit",
    );
  });

  it("migrates PostgreSQL as the owner DATABASE_MIGRATION_URL names, which needs DATABASE_URL for the bot's own role", () => {
    const url = "postgres://jit_bot:s3cret@db.internal:5432/jit";
    const migrationUrl = "postgres://jit_owner:0wner@db.internal:5432/jit";
    assert.deepEqual(loadConfig({ ...MINIMAL, DATABASE_URL: url, DATABASE_MIGRATION_URL: migrationUrl }).database, {
      kind: "postgres",
      url,
      migrationUrl,
    });
    assert.deepEqual(problemsOf({ ...MINIMAL, DATABASE_MIGRATION_URL: migrationUrl }), [
      "DATABASE_MIGRATION_URL is set without DATABASE_URL: it names the owner that migrates a PostgreSQL database, so set DATABASE_URL for the bot's own role too",
    ]);
    assert.ok(!problemWith("DATABASE_MIGRATION_URL", "mysql://root:hunter2@db/jit").includes("hunter2"));
  });

  it("refuses a privileged database role unless JIT_ALLOW_PRIVILEGED_DATABASE_ROLE is exactly true", () => {
    assert.equal(loadConfig(MINIMAL).audit.allowPrivilegedDatabaseRole, false);
    assert.equal(loadConfig({ ...MINIMAL, JIT_ALLOW_PRIVILEGED_DATABASE_ROLE: "true" }).audit.allowPrivilegedDatabaseRole, true);
    assert.equal(problemWith("JIT_ALLOW_PRIVILEGED_DATABASE_ROLE", "yes"), "JIT_ALLOW_PRIVILEGED_DATABASE_ROLE: must be true or false");
  });

  it("copies the trail to an S3 bucket with Object Lock, compliance mode for a year unless told otherwise", () => {
    assert.deepEqual(loadConfig({ ...MINIMAL, JIT_AUDIT_S3_BUCKET: "acme-jit-audit" }).audit.s3, {
      bucket: "acme-jit-audit",
      prefix: "jit-slack-audit/",
      lockMode: "COMPLIANCE",
      retentionDays: 365,
      records: true,
    });
    const governance = loadConfig({
      ...MINIMAL,
      JIT_AUDIT_S3_BUCKET: "b-1",
      JIT_AUDIT_S3_LOCK_MODE: "GOVERNANCE",
      JIT_AUDIT_S3_RETENTION_DAYS: "30",
      JIT_AUDIT_S3_RECORDS: "false",
    });
    assert.deepEqual(governance.audit.s3, {
      bucket: "b-1",
      prefix: "jit-slack-audit/",
      lockMode: "GOVERNANCE",
      retentionDays: 30,
      records: false,
    });
    assert.equal(problemWith("JIT_AUDIT_S3_LOCK_MODE", "legal-hold"), "JIT_AUDIT_S3_LOCK_MODE: must be COMPLIANCE or GOVERNANCE");
    assert.equal(
      problemWith("JIT_AUDIT_S3_BUCKET", "Not_A_Bucket"),
      "JIT_AUDIT_S3_BUCKET: must be an S3 bucket name such as acme-jit-audit",
    );
  });

  it("signs checkpoints with a key file or a KMS key, not both", () => {
    const arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    assert.equal(loadConfig({ ...MINIMAL, JIT_AUDIT_KMS_KEY_ID: arn }).audit.kmsKeyId, arn);
    assert.equal(loadConfig({ ...MINIMAL, JIT_AUDIT_KMS_KEY_ID: "alias/jit-audit" }).audit.kmsKeyId, "alias/jit-audit");
    assert.deepEqual(problemsOf({ ...MINIMAL, JIT_AUDIT_KMS_KEY_ID: arn, JIT_AUDIT_SIGNING_KEY_FILE: "/etc/jit/audit.pem" }), [
      "JIT_AUDIT_SIGNING_KEY_FILE and JIT_AUDIT_KMS_KEY_ID are both set: checkpoints are signed with one key, a file or a KMS key, not both",
    ]);
    assert.equal(
      problemWith("JIT_AUDIT_KMS_KEY_ID", "my key"),
      "JIT_AUDIT_KMS_KEY_ID: must be a KMS key id, key ARN, alias name (alias/…) or alias ARN",
    );
  });

  it("takes the checkpoint cadence in records and minutes, within bounds", () => {
    const config = loadConfig({
      ...MINIMAL,
      JIT_AUDIT_SIGNING_KEY_FILE: "/etc/jit/audit.pem",
      JIT_AUDIT_CHECKPOINT_RECORDS: "10",
      JIT_AUDIT_CHECKPOINT_MINUTES: "2",
    });
    assert.deepEqual(config.audit.checkpoint, { records: 10, intervalMs: 120_000 });
    assert.equal(config.audit.signingKeyFile, "/etc/jit/audit.pem");
    assert.equal(problemWith("JIT_AUDIT_CHECKPOINT_RECORDS", "0"), "JIT_AUDIT_CHECKPOINT_RECORDS: must be at least 1");
    assert.equal(problemWith("JIT_AUDIT_CHECKPOINT_MINUTES", "2000"), "JIT_AUDIT_CHECKPOINT_MINUTES: must be at most 1440 (a day)");
  });
});
