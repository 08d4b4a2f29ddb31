// Start-up checks against AWS: who we are, which Identity Center instance, which permission sets.
// Each refusal names the variable (or policy key) the operator sets to fix it.
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DescribePermissionSetCommand, ListInstancesCommand, ListPermissionSetsCommand } from "@aws-sdk/client-sso-admin";
import { StartupError } from "../startup-error.js";
import type { AwsClients } from "./clients.js";
import { toProviderError } from "./errors.js";
import { sleep } from "../domain/clock.js";
import { parseIsoDuration } from "../domain/duration.js";
import { InvalidInput, ProviderError } from "../domain/errors.js";

export interface Discovered {
  readonly callerArn: string;
  readonly callerAccount: string;
  readonly instanceArn: string;
  readonly identityStoreId: string;
  readonly permissionSetArns: ReadonlyMap<string, string>;
  /** Every permission set of the instance, ARN → name. */
  readonly permissionSetNames: ReadonlyMap<string, string>;
  /**
   * Each policy permission set's session duration (DescribePermissionSet SessionDuration) in ms.
   * A set whose duration cannot be read is left out, so the fence assumes the longest (12 h).
   */
  readonly sessionDurationMs: ReadonlyMap<string, number>;
}

// "When you create a new permission set, the session duration is set to 1 hour ... by default"
// (IAM Identity Center User Guide, "Set session duration").
const DEFAULT_SESSION_MS = 60 * 60_000;

export class DiscoveryError extends StartupError {}

/** What the environment says about the instance and the credentials (Config["aws"]). */
export interface ConfiguredInstance {
  readonly instanceArn: string | undefined;
  readonly identityStoreId: string | undefined;
  readonly assumeRoleArn?: string | undefined;
}

export async function discoverIdentityCenter(
  clients: AwsClients,
  configured: ConfiguredInstance,
  permissionSetNames: readonly string[],
): Promise<Discovered> {
  // With a role to assume, the first call is where AssumeRole fails: say which variable named the role.
  const role = configured.assumeRoleArn ? ` (with the role in AWS_ROLE_ARN=${configured.assumeRoleArn})` : "";
  const caller = await attempt(`STS GetCallerIdentity${role}`, () => clients.sts.send(new GetCallerIdentityCommand({})));
  const instance = await findInstance(clients, configured);
  const permissionSets = await resolvePermissionSets(clients, instance.instanceArn, permissionSetNames);
  return {
    callerArn: caller.Arn ?? "unknown",
    callerAccount: caller.Account ?? "unknown",
    ...instance,
    ...permissionSets,
  };
}

async function findInstance(
  clients: AwsClients,
  configured: ConfiguredInstance,
): Promise<{ instanceArn: string; identityStoreId: string }> {
  if (configured.instanceArn && configured.identityStoreId) {
    return { instanceArn: configured.instanceArn, identityStoreId: configured.identityStoreId };
  }
  const instances: Array<{ instanceArn: string; identityStoreId: string }> = [];
  let nextToken: string | undefined;
  do {
    const page = await attempt("SSO Admin ListInstances", () => clients.ssoAdmin.send(new ListInstancesCommand({ NextToken: nextToken })));
    for (const instance of page.Instances ?? []) {
      if (instance.InstanceArn && instance.IdentityStoreId) {
        instances.push({ instanceArn: instance.InstanceArn, identityStoreId: instance.IdentityStoreId });
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);

  const wanted = configured.instanceArn ? instances.filter((instance) => instance.instanceArn === configured.instanceArn) : instances;
  const [only, ...others] = wanted;
  if (!only) {
    throw new DiscoveryError(
      configured.instanceArn
        ? `JIT_SSO_INSTANCE_ARN ${configured.instanceArn} is not among the IAM Identity Center instances these credentials can see.`
        : "No IAM Identity Center instance is visible to these credentials (ListInstances returned none).",
    );
  }
  if (others.length > 0) {
    throw new DiscoveryError(
      `Several IAM Identity Center instances are visible (${wanted.map((i) => i.instanceArn).join(", ")}); set JIT_SSO_INSTANCE_ARN to choose one.`,
    );
  }
  if (configured.identityStoreId && configured.identityStoreId !== only.identityStoreId) {
    // Users would be looked up in one directory and given access through another instance.
    throw new DiscoveryError(
      `JIT_IDENTITY_STORE_ID ${configured.identityStoreId} is not the identity store of ${only.instanceArn} (${only.identityStoreId}); unset it or set it to ${only.identityStoreId}.`,
    );
  }
  return only;
}

interface ResolvedPermissionSets {
  readonly permissionSetArns: Map<string, string>;
  readonly permissionSetNames: Map<string, string>;
  readonly sessionDurationMs: Map<string, number>;
}

async function resolvePermissionSets(clients: AwsClients, instanceArn: string, names: readonly string[]): Promise<ResolvedPermissionSets> {
  const byName = new Map<string, string>();
  const durations = new Map<string, number | undefined>();
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
      if (name) {
        byName.set(name, arn);
        durations.set(name, sessionDuration(described.PermissionSet?.SessionDuration));
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);

  const missing = names.filter((name) => !byName.has(name));
  if (missing.length > 0) {
    throw new DiscoveryError(`Permission sets named in the policy do not exist in ${instanceArn}: ${missing.join(", ")}.`);
  }
  const sessionDurationMs = new Map<string, number>();
  for (const name of names) {
    const ms = durations.get(name);
    if (ms !== undefined) sessionDurationMs.set(name, ms);
  }
  return {
    permissionSetArns: new Map(names.map((name) => [name, byName.get(name) as string])),
    permissionSetNames: new Map([...byName].map(([name, arn]) => [arn, name])),
    sessionDurationMs,
  };
}

function sessionDuration(text: string | undefined): number | undefined {
  if (text === undefined) return DEFAULT_SESSION_MS;
  try {
    return parseIsoDuration(text);
  } catch (error) {
    if (error instanceof InvalidInput) return undefined;
    throw error;
  }
}

/** A start-up call, retried a few times on outages (the clients themselves make one attempt); throws ProviderError. */
export async function startupCall<T>(action: string, send: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await send();
    } catch (error) {
      const failure = toProviderError(error, action);
      if (!failure.retryable || tries >= 4) throw failure;
      await sleep(250 * 2 ** tries);
    }
  }
}

async function attempt<T>(action: string, send: () => Promise<T>): Promise<T> {
  try {
    return await startupCall(action, send);
  } catch (error) {
    throw error instanceof ProviderError ? new DiscoveryError(error.message) : error;
  }
}
