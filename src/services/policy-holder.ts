// The policy every use case reads: one object, replaced whole when the organization is read again
// (organization-refresh.ts), so a reader sees the old policy or the new one, never a mix.
import type { Policy } from "../domain/policy.js";

export interface CurrentPolicy {
  readonly current: Policy;
}

export class PolicyHolder implements CurrentPolicy {
  constructor(private policy: Policy) {}

  get current(): Policy {
    return this.policy;
  }

  /** Puts `policy` in place of the current one, which it returns. */
  replace(policy: Policy): Policy {
    const previous = this.policy;
    this.policy = policy;
    return previous;
  }
}
