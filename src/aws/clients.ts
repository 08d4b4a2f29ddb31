// AWS SDK clients from the standard credential chain and region; endpoints come from the SDK's
// own AWS_ENDPOINT_URL* variables, which it reads itself. With a role to assume, every call runs
// under short-lived credentials from STS AssumeRole, which the SDK refreshes before they expire.
import { hostname } from "node:os";
import { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { KMSClient } from "@aws-sdk/client-kms";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";

/** What the SDK accepts as a credential provider (its own types live in a transitive package). */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}
export type CredentialProvider = () => Promise<TemporaryCredentials>;

export interface AwsClients {
  readonly ssoAdmin: SSOAdminClient;
  readonly identityStore: IdentitystoreClient;
  readonly sts: STSClient;
}

// Bounded time per HTTP attempt so an AWS outage cannot wedge a handler or the scheduler.
const requestHandler = { connectionTimeout: 3_000, requestTimeout: 15_000 };
const common = { maxAttempts: 4, requestHandler };
// Identity Center calls are retried by the provider through its rate limiter, not by the SDK
// (the SDK's retries would bypass the limiter and spend the account's shared quota unmetered).
const metered = { ...common, maxAttempts: 1 };

/** Names the bot's sessions in CloudTrail: "jit-slack@<host>", within STS's character rules. */
export function roleSessionName(host: string = hostname()): string {
  return `jit-slack@${host}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
}

const REFRESH_BEFORE_MS = 5 * 60_000;

/** One set of credentials shared by all clients, fetched again when it is about to expire. */
export function sharedCredentials(fetch: CredentialProvider, now: () => number = Date.now): CredentialProvider {
  let pending: Promise<TemporaryCredentials> | undefined;
  let current: TemporaryCredentials | undefined;
  const fresh = (credentials: TemporaryCredentials) =>
    credentials.expiration === undefined || credentials.expiration.getTime() - now() > REFRESH_BEFORE_MS;
  return () => {
    if (current && fresh(current)) return Promise.resolve(current);
    pending ??= fetch().then(
      (credentials) => {
        current = credentials;
        pending = undefined;
        return credentials;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
}

function assumeRoleCredentials(roleArn: string, baseSts: STSClient): CredentialProvider {
  return async () => {
    const { Credentials: credentials } = await baseSts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: roleSessionName(), DurationSeconds: 3600 }),
    );
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
      throw new Error(`STS AssumeRole for ${roleArn} returned no credentials`);
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
    };
  };
}

export function createAwsClients(assumeRoleArn: string | undefined): AwsClients & { destroy(): void } {
  const baseSts = new STSClient(common);
  const credentials = assumeRoleArn ? { credentials: sharedCredentials(assumeRoleCredentials(assumeRoleArn, baseSts)) } : {};
  const clients = {
    ssoAdmin: new SSOAdminClient({ ...metered, ...credentials }),
    identityStore: new IdentitystoreClient({ ...metered, ...credentials }),
    sts: assumeRoleArn ? new STSClient({ ...common, ...credentials }) : baseSts,
  };
  return {
    ...clients,
    destroy() {
      clients.ssoAdmin.destroy();
      clients.identityStore.destroy();
      clients.sts.destroy();
      baseSts.destroy();
    },
  };
}

/** A client for AWS services beside Identity Center (S3, KMS, Organizations), and how to let go of it. */
export interface AuditClient<C> {
  readonly client: C;
  destroy(): void;
}

/**
 * A client built with the bot's credentials (under AWS_ROLE_ARN when set). The endpoint is the
 * SDK's own: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_ORGANIZATIONS, else AWS_ENDPOINT_URL.
 */
function withBotCredentials<C extends { destroy(): void }>(
  assumeRoleArn: string | undefined,
  make: (config: object) => C,
  base: object = common,
): AuditClient<C> {
  const baseSts = new STSClient(common);
  const credentials = assumeRoleArn ? { credentials: sharedCredentials(assumeRoleCredentials(assumeRoleArn, baseSts)) } : {};
  const client = make({ ...base, ...credentials });
  return {
    client,
    destroy() {
      client.destroy();
      baseSts.destroy();
    },
  };
}

/** For the audit trail's copy in S3 with Object Lock. */
export function createS3Client(assumeRoleArn: string | undefined): AuditClient<S3Client> {
  return withBotCredentials(assumeRoleArn, (config) => new S3Client(config));
}

/**
 * For reading the organization trail's log files: one attempt per call (the reader retries through
 * its rate limiter), following the bucket to its region; under `credentials` when given (a role
 * that reads the bucket), else the bot's own.
 */
export function createTrailS3Client(assumeRoleArn: string | undefined, credentials?: CredentialProvider): AuditClient<S3Client> {
  return withBotCredentials(assumeRoleArn, (config) => new S3Client({ ...config, ...(credentials ? { credentials } : {}) }), {
    ...metered,
    followRegionRedirects: true,
  });
}

/** For signing audit checkpoints with a KMS key. */
export function createKmsClient(assumeRoleArn: string | undefined): AuditClient<KMSClient> {
  return withBotCredentials(assumeRoleArn, (config) => new KMSClient(config));
}

/**
 * For the session fence's service control policies. One attempt per call: the fence writer retries
 * through its own rate limiter. Organizations is a global service hosted in us-east-1 ("Quotas for
 * AWS Organizations"); the SDK's endpoint rules already send every region of the aws partition to
 * organizations.us-east-1.amazonaws.com, signed for us-east-1, and the other partitions to their
 * own, so the region is left as configured.
 */
export function createOrganizationsClient(assumeRoleArn: string | undefined): AuditClient<OrganizationsClient> {
  return withBotCredentials(assumeRoleArn, (config) => new OrganizationsClient(config), metered);
}

/** STS with the bot's credentials, for assuming the activity reader role in target accounts. */
export function createStsClient(assumeRoleArn: string | undefined): AuditClient<STSClient> {
  return withBotCredentials(assumeRoleArn, (config) => new STSClient(config));
}
