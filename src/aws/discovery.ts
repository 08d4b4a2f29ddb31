// Start-up checks against AWS: who we are, which Identity Center instance, which permission sets.
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DescribePermissionSetCommand, ListInstancesCommand, ListPermissionSetsCommand } from "@aws-sdk/client-sso-admin";
import { StartupError } from "../startup-error.js";
import type { AwsClients } from "./clients.js";
import { toProviderError } from "./errors.js";

export interface Discovered {
  readonly callerArn: string;
  readonly callerAccount: string;
  readonly instanceArn: string;
  readonly identityStoreId: string;
  readonly permissionSetArns: ReadonlyMap<string, string>;
}

export class DiscoveryError extends StartupError {}

export async function discoverIdentityCenter(
  clients: AwsClients,
  configured: { instanceArn: string | undefined; identityStoreId: string | undefined },
  permissionSetNames: readonly string[],
): Promise<Discovered> {
  const caller = await attempt("STS GetCallerIdentity", () => clients.sts.send(new GetCallerIdentityCommand({})));
  const instance = await findInstance(clients, configured);
  const permissionSetArns = await resolvePermissionSets(clients, instance.instanceArn, permissionSetNames);
  return {
    callerArn: caller.Arn ?? "unknown",
    callerAccount: caller.Account ?? "unknown",
    ...instance,
    permissionSetArns,
  };
}

async function findInstance(
  clients: AwsClients,
  configured: { instanceArn: string | undefined; identityStoreId: string | undefined },
): Promise<{ instanceArn: string; identityStoreId: string }> {
  if (configured.instanceArn && configured.identityStoreId) {
    return { instanceArn: configured.instanceArn, identityStoreId: configured.identityStoreId };
  }
  const instances: Array<{ instanceArn: string; identityStoreId: string }> = [];
  let nextToken: string | undefined;
  do {
    const page = await attempt("SSO Admin ListInstances", () =>
      clients.ssoAdmin.send(new ListInstancesCommand({ NextToken: nextToken })),
    );
    for (const instance of page.Instances ?? []) {
      if (instance.InstanceArn && instance.IdentityStoreId) {
        instances.push({ instanceArn: instance.InstanceArn, identityStoreId: instance.IdentityStoreId });
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);

  const wanted = configured.instanceArn
    ? instances.filter((instance) => instance.instanceArn === configured.instanceArn)
    : instances;
  const [only, ...others] = wanted;
  if (!only) {
    throw new DiscoveryError(
      configured.instanceArn
        ? `AWS_SSO_INSTANCE_ARN ${configured.instanceArn} is not among the IAM Identity Center instances these credentials can see.`
        : "No IAM Identity Center instance is visible to these credentials (ListInstances returned none).",
    );
  }
  if (others.length > 0) {
    throw new DiscoveryError(
      `Several IAM Identity Center instances are visible (${wanted.map((i) => i.instanceArn).join(", ")}); set AWS_SSO_INSTANCE_ARN to choose one.`,
    );
  }
  return { instanceArn: only.instanceArn, identityStoreId: configured.identityStoreId ?? only.identityStoreId };
}

async function resolvePermissionSets(
  clients: AwsClients,
  instanceArn: string,
  names: readonly string[],
): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await attempt("SSO Admin ListPermissionSets", () =>
      clients.ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn, NextToken: nextToken })),
    );
    for (const arn of page.PermissionSets ?? []) {
      const described = await attempt("SSO Admin DescribePermissionSet", () =>
        clients.ssoAdmin.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn })),
      );
      const name = described.PermissionSet?.Name;
      if (name) byName.set(name, arn);
    }
    nextToken = page.NextToken;
  } while (nextToken);

  const missing = names.filter((name) => !byName.has(name));
  if (missing.length > 0) {
    throw new DiscoveryError(
      `Permission sets named in the policy do not exist in ${instanceArn}: ${missing.join(", ")}.`,
    );
  }
  return new Map(names.map((name) => [name, byName.get(name) as string]));
}

/** Start-up calls: retried a few times on outages (the clients themselves make one attempt). */
async function attempt<T>(action: string, send: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await send();
    } catch (error) {
      const failure = toProviderError(error, action);
      if (!failure.retryable || tries >= 4) throw new DiscoveryError(failure.message);
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** tries));
    }
  }
}
