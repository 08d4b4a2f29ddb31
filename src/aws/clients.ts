// AWS SDK clients from the standard credential chain and region; endpoints come from the SDK's
// own AWS_ENDPOINT_URL* variables, which it reads itself.
import { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { STSClient } from "@aws-sdk/client-sts";

export interface AwsClients {
  readonly ssoAdmin: SSOAdminClient;
  readonly identityStore: IdentitystoreClient;
  readonly sts: STSClient;
}

// Bounded time per HTTP attempt so an AWS outage cannot wedge a handler or the scheduler.
const requestHandler = { connectionTimeout: 3_000, requestTimeout: 15_000 };

export function createAwsClients(region: string | undefined): AwsClients {
  const common = { region, maxAttempts: 4, requestHandler };
  return {
    ssoAdmin: new SSOAdminClient(common),
    identityStore: new IdentitystoreClient(common),
    sts: new STSClient(common),
  };
}

export function destroyAwsClients(clients: AwsClients): void {
  clients.ssoAdmin.destroy();
  clients.identityStore.destroy();
  clients.sts.destroy();
}
