// Identity Store group memberships: look-up, add and remove, each one rate-limited call.
// Facts from the Identity Store API reference: CreateGroupMembership answers MembershipId and throws
// ConflictException when it "would violate an existing uniqueness claim" (the user is a member
// already); GetGroupMembershipId and DeleteGroupMembership throw ResourceNotFoundException for a
// membership that does not exist
// (https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_CreateGroupMembership.html,
// .../API_GetGroupMembershipId.html, .../API_DeleteGroupMembership.html).
import {
  CreateGroupMembershipCommand,
  DeleteGroupMembershipCommand,
  GetGroupMembershipIdCommand,
  type IdentitystoreClient,
} from "@aws-sdk/client-identitystore";
import { ProviderError } from "../domain/errors.js";
import type { MembershipTarget } from "../services/ports.js";
import type { Priority } from "./limiter.js";

/** The provider's rate-limited, retrying call. */
export type Call = <T>(priority: Priority, action: string, send: () => Promise<T>) => Promise<T>;

export class GroupMemberships {
  constructor(
    private readonly identityStore: IdentitystoreClient,
    private readonly identityStoreId: string,
    private readonly call: Call,
  ) {}

  async membershipId(target: MembershipTarget): Promise<string | undefined> {
    try {
      const result = await this.call("normal", "Identity Store GetGroupMembershipId", () =>
        this.identityStore.send(
          new GetGroupMembershipIdCommand({
            IdentityStoreId: this.identityStoreId,
            GroupId: target.groupId,
            MemberId: { UserId: target.principalId },
          }),
        ),
      );
      return result.MembershipId;
    } catch (error) {
      if (isCode(error, "ResourceNotFoundException")) return undefined;
      throw error;
    }
  }

  async add(target: MembershipTarget): Promise<string | "exists"> {
    try {
      const result = await this.call("normal", "Identity Store CreateGroupMembership", () =>
        this.identityStore.send(
          new CreateGroupMembershipCommand({
            IdentityStoreId: this.identityStoreId,
            GroupId: target.groupId,
            MemberId: { UserId: target.principalId },
          }),
        ),
      );
      if (!result.MembershipId) throw new ProviderError("CreateGroupMembership returned no MembershipId", "MalformedResponse", true);
      return result.MembershipId;
    } catch (error) {
      if (isCode(error, "ConflictException")) return "exists";
      throw error;
    }
  }

  async remove(membershipId: string): Promise<"removed" | "absent"> {
    try {
      await this.call("revoke", "Identity Store DeleteGroupMembership", () =>
        this.identityStore.send(new DeleteGroupMembershipCommand({ IdentityStoreId: this.identityStoreId, MembershipId: membershipId })),
      );
      return "removed";
    } catch (error) {
      if (isCode(error, "ResourceNotFoundException")) return "absent";
      throw error;
    }
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof ProviderError && error.code === code;
}
