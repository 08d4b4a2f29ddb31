// Resolves a rule's approvers to Slack user ids for direct messages: ids as they are, emails via
// users.lookupByEmail, user groups via usergroups.users.list. Capped, since a group can be large.
import type { WebClient } from "@slack/web-api";
import type { PrincipalRef } from "../../domain/people.js";

const MAX_DIRECT_MESSAGES = 25;

export async function approverUserIds(client: WebClient, refs: readonly PrincipalRef[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const ref of refs) {
    if (ids.size >= MAX_DIRECT_MESSAGES) break;
    if (ref.kind === "slack-user") ids.add(ref.id);
    else if (ref.kind === "email") {
      const found = await client.users.lookupByEmail({ email: ref.email }).catch(() => undefined);
      if (found?.user?.id) ids.add(found.user.id);
    } else {
      const members = await client.usergroups.users.list({ usergroup: ref.id }).catch(() => undefined);
      for (const id of members?.users ?? []) ids.add(id);
    }
  }
  return [...ids].slice(0, MAX_DIRECT_MESSAGES);
}
