// Credentials of a role the activity readers assume (the read-only role in a target account, or
// the role that reads the organization trail's bucket), shared and refreshed before they expire.
import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";
import { ProviderError } from "../domain/errors.js";
import { sharedCredentials, type CredentialProvider } from "./clients.js";
import { toProviderError } from "./errors.js";

/**
 * The role could not be assumed (a ProviderError, so retryingCall passes it on as it is, retrying
 * only what STS says may succeed later).
 */
export class AssumeRoleFailed extends ProviderError {
  constructor(roleArn: string, reason: unknown) {
    const inner = reason instanceof Error || typeof reason === "object" ? toProviderError(reason, "STS AssumeRole") : undefined;
    super(`cannot assume ${roleArn}: ${inner?.message ?? String(reason)}`, inner?.code ?? "NoCredentials", inner?.retryable ?? false);
  }
}

/** Credentials of `roleArn` for 15 minutes at a time; a failure throws AssumeRoleFailed. */
export function assumedRoleCredentials(sts: STSClient, roleArn: string, sessionName: string): CredentialProvider {
  return sharedCredentials(async () => {
    const { Credentials: credentials } = await sts
      .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 900 }))
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
}
