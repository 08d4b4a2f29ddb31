// What /readyz checks: the database takes writes, AWS answers with our credentials, Slack accepts
// the bot token. Each failure carries a code (the AWS error code, Slack's error, the database's
// reason), which is all /readyz shows of it.
import { ListPermissionSetsCommand, type SSOAdminClient } from "@aws-sdk/client-sso-admin";
import type { WebClient } from "@slack/web-api";
import { toProviderError } from "../aws/errors.js";
import { slackErrorCode } from "../slack/adapters/api-errors.js";
import type { StoreBackend } from "../store/backend.js";
import { CheckFailed, type ReadinessCheck } from "./readiness.js";
import { errorText } from "../domain/errors.js";

/** The database can take a write now (the backend knows what that means for its engine). */
export function databaseCheck(backend: Pick<StoreBackend, "check">): ReadinessCheck {
  return { name: "database", cacheMs: 1_000, run: () => backend.check() };
}

/** One page of one permission set: proves the network path, the credentials and the instance. */
export function awsCheck(ssoAdmin: SSOAdminClient, instanceArn: string): ReadinessCheck {
  return {
    name: "aws",
    cacheMs: 5_000,
    async run(signal) {
      try {
        await ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn, MaxResults: 1 }), { abortSignal: signal });
      } catch (error) {
        throw toProviderError(error, "SSO Admin ListPermissionSets");
      }
    },
  };
}

/** `auth.test` with a client that neither retries nor waits out rate limits. */
export function slackCheck(client: WebClient): ReadinessCheck {
  return {
    name: "slack",
    cacheMs: 5_000,
    async run() {
      try {
        await client.auth.test();
      } catch (error) {
        throw new CheckFailed(slackErrorCode(error), `auth.test failed: ${errorText(error)}`);
      }
    },
  };
}

/** Advisory: the fence policies hold every entry. When they cannot, sessions outlive revocations. */
export function sessionFenceCheck(unfenced: () => Promise<number>): ReadinessCheck {
  return {
    name: "session-fence",
    cacheMs: 5_000,
    advisory: true,
    async run() {
      const count = await unfenced();
      if (count > 0) throw new CheckFailed("session_fence_full", `${count} fence entries do not fit in the fence policies`);
    },
  };
}
