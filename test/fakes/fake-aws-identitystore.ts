// Identity Store (AWSIdentityStore, awsJson1_1) handlers for the fake AWS
// server, reading users from the shared IdentityCenterState. GetUserId
// supports the unique attributes `emails.value` and `userName`, matched
// exactly (case-sensitive); ExternalId lookups are not supported.

import { optionalObject, requireString, validationError, type JsonObject } from "./fake-aws-protocol.js";
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
