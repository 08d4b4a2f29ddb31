// Start-up: the Identity Center groups the policy's rules offer, each found in the identity store by
// GroupId (DescribeGroup) or DisplayName (GetGroupId, whose only unique attribute for groups is
// displayName: https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_GetGroupId.html).
import { DescribeGroupCommand, GetGroupIdCommand } from "@aws-sdk/client-identitystore";
import { ProviderError } from "../domain/errors.js";
import type { IdentityGroup } from "../domain/group-access.js";
import type { AwsClients } from "./clients.js";
import { DiscoveryError, startupCall } from "./discovery.js";

/** An Identity Store GroupId (API reference: GroupId pattern). */
const GROUP_ID = /^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;

/** Every group named by `refs`; refuses start, naming them, when any does not exist. */
export async function discoverGroups(clients: AwsClients, identityStoreId: string, refs: readonly string[]): Promise<IdentityGroup[]> {
  const found = new Map<string, IdentityGroup>();
  const missing: string[] = [];
  for (const ref of new Set(refs)) {
    const group = await findGroup(clients, identityStoreId, ref);
    if (group) found.set(group.groupId, group);
    else missing.push(ref);
  }
  if (missing.length > 0) {
    throw new DiscoveryError(`Groups named in the policy do not exist in the identity store ${identityStoreId}: ${missing.join(", ")}.`);
  }
  return [...found.values()];
}

async function findGroup(clients: AwsClients, identityStoreId: string, ref: string): Promise<IdentityGroup | undefined> {
  try {
    const groupId = GROUP_ID.test(ref) ? ref : await groupIdByName(clients, identityStoreId, ref);
    if (!groupId) return undefined;
    const described = await startupCall("Identity Store DescribeGroup", () =>
      clients.identityStore.send(new DescribeGroupCommand({ IdentityStoreId: identityStoreId, GroupId: groupId })),
    );
    return { groupId, displayName: described.DisplayName ?? ref };
  } catch (error) {
    if (error instanceof ProviderError && error.code === "ResourceNotFoundException") return undefined;
    throw error instanceof ProviderError ? new DiscoveryError(error.message) : error;
  }
}

async function groupIdByName(clients: AwsClients, identityStoreId: string, displayName: string): Promise<string | undefined> {
  const result = await startupCall("Identity Store GetGroupId", () =>
    clients.identityStore.send(
      new GetGroupIdCommand({
        IdentityStoreId: identityStoreId,
        AlternateIdentifier: { UniqueAttribute: { AttributePath: "displayName", AttributeValue: displayName } },
      }),
    ),
  );
  return result.GroupId;
}
