// Start-up check for the session fence: can service control policies work in this organization,
// and which account do they never reach? Refusals that only an operator can fix become the facts'
// `unavailable` reason (the bot runs without a fence); outages past a few retries stop the start.
import { DescribeOrganizationCommand, ListRootsCommand, type OrganizationsClient } from "@aws-sdk/client-organizations";
import { ProviderError } from "../domain/errors.js";
import { noFence, type FenceFacts, type FenceMode } from "../domain/fence-capability.js";
import { DiscoveryError, startupCall } from "./discovery.js";

const SCP = "SERVICE_CONTROL_POLICY";

/** What AWS answers when the bot may not ask, or there is no organization to ask about. */
const UNAVAILABLE_CODES = new Set(["AccessDeniedException", "AWSOrganizationsNotInUseException"]);

export async function discoverFenceFacts(
  organizations: OrganizationsClient,
  fence: { readonly mode: FenceMode },
  sessionDurationMs: ReadonlyMap<string, number>,
): Promise<FenceFacts> {
  if (fence.mode === "off") return noFence(sessionDurationMs);
  const facts = (unavailable: string | null, managementAccountId: string | null): FenceFacts => ({
    mode: "scp",
    unavailable,
    managementAccountId,
    sessionDurationMs,
  });
  let managementAccountId: string | null = null;
  try {
    const { Organization } = await startupCall("Organizations DescribeOrganization", () =>
      organizations.send(new DescribeOrganizationCommand({})),
    );
    managementAccountId = Organization?.MasterAccountId ?? null;
    if (Organization?.FeatureSet !== "ALL") {
      return facts(
        `The organization has only consolidated billing features (FeatureSet ${Organization?.FeatureSet ?? "unknown"}); service control policies need all features enabled (AWS Organizations console, Settings).`,
        managementAccountId,
      );
    }
    const { Roots } = await startupCall("Organizations ListRoots", () => organizations.send(new ListRootsCommand({})));
    const root = Roots?.[0];
    const enabled = root?.PolicyTypes?.some((type) => type.Type === SCP && type.Status === "ENABLED") ?? false;
    if (!enabled) {
      return facts(
        `Service control policies are not enabled on the organization root ${root?.Id ?? "(none found)"}: enable the SERVICE_CONTROL_POLICY type there (AWS Organizations console, Policies, or EnablePolicyType).`,
        managementAccountId,
      );
    }
    return facts(null, managementAccountId);
  } catch (error) {
    if (error instanceof ProviderError && UNAVAILABLE_CODES.has(error.code)) return facts(unavailableReason(error), managementAccountId);
    throw error instanceof ProviderError ? new DiscoveryError(error.message) : error;
  }
}

function unavailableReason(error: ProviderError): string {
  if (error.code === "AWSOrganizationsNotInUseException") {
    return `The bot's account belongs to no organization, so no service control policy can fence sessions (${error.message}).`;
  }
  const action = /Organizations (\w+) failed/.exec(error.message)?.[1] ?? "DescribeOrganization";
  return `The bot's role may not call organizations:${action}; allow it (and organizations:ListRoots) for the session fence (${error.message}).`;
}
