// Identity Store (AWSIdentityStore, awsJson1_1) handlers for the fake AWS
// server, reading users from the shared IdentityCenterState. GetUserId
// supports the unique attributes `emails.value` and `userName`, matched
// exactly (case-sensitive); ExternalId lookups are not supported.
// Groups: GetGroupId (only displayName, as AWS), DescribeGroup, and the
// memberships: CreateGroupMembership (ConflictException when the user is a
// member already), GetGroupMembershipId, IsMemberInGroups,
// ListGroupMemberships and DeleteGroupMembership (ResourceNotFoundException
// for a membership that does not exist), per the Identity Store API reference.

import { randomUUID } from "node:crypto";
import { AwsServiceError, optionalObject, paginate, requireString, validationError, type JsonObject } from "./fake-aws-protocol.js";
import { notFound, type IdentityCenterState, type JsonHandler } from "./fake-aws-sso.js";

const UNIQUE_ATTRIBUTES = ["emails.value", "userName"];

export function identityStoreHandlers(state: IdentityCenterState): Record<string, JsonHandler> {
  const requireIdentityStore = (input: JsonObject): void => {
    const id = requireString(input, "IdentityStoreId");
    if (id !== state.identityStoreId) {
      throw notFound(`Identity store ${id} does not exist.`, { ResourceType: "IDENTITY_STORE", ResourceId: id });
    }
  };

  return {
    GetUserId: (input) => {
      requireIdentityStore(input);
      const unique = optionalObject(optionalObject(input, "AlternateIdentifier"), "UniqueAttribute");
      const path = requireString(unique, "AttributePath");
      if (!UNIQUE_ATTRIBUTES.includes(path)) {
        throw validationError("AttributePath", path, `Member must be one of: ${UNIQUE_ATTRIBUTES.join(", ")}`);
      }
      const value = unique.AttributeValue;
      if (typeof value !== "string") throw validationError("AttributeValue", value, "Member must be a string");
      const user = [...state.users.values()].find((u) => (path === "userName" ? u.userName : u.email) === value);
      if (!user) throw notFound("USER not found.", { ResourceType: "USER" });
      return { IdentityStoreId: state.identityStoreId, UserId: user.userId };
    },

    ...groupHandlers(state, requireIdentityStore),

    DescribeUser: (input) => {
      requireIdentityStore(input);
      const userId = requireString(input, "UserId");
      const user = state.users.get(userId);
      if (!user) throw notFound("USER not found.", { ResourceType: "USER", ResourceId: userId });
      return {
        IdentityStoreId: state.identityStoreId,
        UserId: user.userId,
        UserName: user.userName,
        DisplayName: user.userName,
        Emails: [{ Value: user.email, Type: "work", Primary: true }],
        UserStatus: "ENABLED",
      };
    },
  };
}

function groupHandlers(state: IdentityCenterState, requireIdentityStore: (input: JsonObject) => void): Record<string, JsonHandler> {
  const requireGroup = (input: JsonObject) => {
    const groupId = requireString(input, "GroupId");
    const group = state.groups.get(groupId);
    if (!group) throw notFound("GROUP not found.", { ResourceType: "GROUP", ResourceId: groupId });
    return group;
  };
  const memberOf = (input: JsonObject): string => {
    const userId = requireString(optionalObject(input, "MemberId"), "UserId");
    if (!state.users.has(userId)) throw notFound("USER not found.", { ResourceType: "USER", ResourceId: userId });
    return userId;
  };
  const find = (groupId: string, userId: string) =>
    [...state.memberships.values()].find((m) => m.groupId === groupId && m.userId === userId);
  return {
    GetGroupId: (input) => {
      requireIdentityStore(input);
      const unique = optionalObject(optionalObject(input, "AlternateIdentifier"), "UniqueAttribute");
      const path = requireString(unique, "AttributePath");
      if (path !== "displayName") throw validationError("AttributePath", path, "Member must be displayName");
      const value = unique.AttributeValue;
      const group = [...state.groups.values()].find((g) => g.displayName === value);
      if (!group) throw notFound("GROUP not found.", { ResourceType: "GROUP" });
      return { IdentityStoreId: state.identityStoreId, GroupId: group.groupId };
    },
    DescribeGroup: (input) => {
      requireIdentityStore(input);
      const group = requireGroup(input);
      return { IdentityStoreId: state.identityStoreId, GroupId: group.groupId, DisplayName: group.displayName };
    },
    CreateGroupMembership: (input) => {
      requireIdentityStore(input);
      const group = requireGroup(input);
      const userId = memberOf(input);
      if (find(group.groupId, userId)) {
        throw new AwsServiceError("ConflictException", "Membership already exists.", 400, { Reason: "UNIQUENESS_CONSTRAINT_VIOLATION" });
      }
      const membershipId = randomUUID();
      state.memberships.set(membershipId, { membershipId, groupId: group.groupId, userId });
      return { IdentityStoreId: state.identityStoreId, MembershipId: membershipId };
    },
    GetGroupMembershipId: (input) => {
      requireIdentityStore(input);
      const group = requireGroup(input);
      const membership = find(group.groupId, memberOf(input));
      if (!membership) throw notFound("GROUP_MEMBERSHIP not found.", { ResourceType: "GROUP_MEMBERSHIP" });
      return { IdentityStoreId: state.identityStoreId, MembershipId: membership.membershipId };
    },
    IsMemberInGroups: (input) => {
      requireIdentityStore(input);
      const userId = memberOf(input);
      const groupIds = Array.isArray(input.GroupIds) ? input.GroupIds.filter((id): id is string => typeof id === "string") : [];
      return {
        Results: groupIds.map((groupId) => ({ GroupId: groupId, MemberId: { UserId: userId }, MembershipExists: !!find(groupId, userId) })),
      };
    },
    ListGroupMemberships: (input) => {
      requireIdentityStore(input);
      const group = requireGroup(input);
      const members = [...state.memberships.values()].filter((m) => m.groupId === group.groupId);
      const { page, nextToken } = paginate(members, input, `ListGroupMemberships|${group.groupId}`);
      return {
        GroupMemberships: page.map((m) => ({
          IdentityStoreId: state.identityStoreId,
          MembershipId: m.membershipId,
          GroupId: m.groupId,
          MemberId: { UserId: m.userId },
        })),
        NextToken: nextToken,
      };
    },
    DeleteGroupMembership: (input) => {
      requireIdentityStore(input);
      const membershipId = requireString(input, "MembershipId");
      if (!state.memberships.delete(membershipId)) {
        throw notFound("GROUP_MEMBERSHIP not found.", { ResourceType: "GROUP_MEMBERSHIP", ResourceId: membershipId });
      }
      return {};
    },
  };
}
