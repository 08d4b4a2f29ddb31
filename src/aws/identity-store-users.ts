// The Identity Center user name of a principal: the role session name CloudTrail records for the
// user's sessions (see trail-records.ts). Asked of the Identity Store once per principal.
import { DescribeUserCommand, type IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { ProviderError } from "../domain/errors.js";
import { toProviderError } from "./errors.js";

/** The user name of an Identity Center principal (its user id). */
export interface UserNames {
  of(principalId: string): Promise<string>;
}

export class IdentityStoreUserNames implements UserNames {
  private readonly known = new Map<string, string>();

  constructor(
    private readonly identityStore: IdentitystoreClient,
    private readonly identityStoreId: string,
  ) {}

  async of(principalId: string): Promise<string> {
    const known = this.known.get(principalId);
    if (known) return known;
    const user = await this.identityStore
      .send(new DescribeUserCommand({ IdentityStoreId: this.identityStoreId, UserId: principalId }))
      .catch((error: unknown) => {
        throw toProviderError(error, "Identity Store DescribeUser");
      });
    if (!user.UserName) throw new ProviderError(`Identity Store user ${principalId} has no user name`, "NoUserName", false);
    this.known.set(principalId, user.UserName);
    return user.UserName;
  }
}
