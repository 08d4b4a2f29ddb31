// The AWS organization as the policy sees it: its accounts, where each sits in the OU tree, and
// their tags. Read from AWS Organizations (aws/), resolved against the policy file (config/).

/** AWS Organizations account states (ListAccounts `State`); only ACTIVE accounts are ever offered. */
export type OrgAccountState = "ACTIVE" | "SUSPENDED" | "PENDING_ACTIVATION" | "PENDING_CLOSURE" | "CLOSED";

export interface OrgUnit {
  /** `ou-…`, or the root's `r-…`. */
  readonly id: string;
  readonly name: string;
  /** From the root, e.g. "/Root/Workloads/Prod" (the root's own name first). */
  readonly path: string;
  /** The parent's id; null for the root. */
  readonly parentId: string | null;
}

export interface OrgAccount {
  readonly id: string;
  readonly name: string;
  readonly state: OrgAccountState;
  /** The OU (or root) the account sits in directly. */
  readonly parentId: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface OrgSnapshot {
  /** When it was read (epoch ms). */
  readonly readAt: number;
  readonly rootId: string;
  readonly units: readonly OrgUnit[];
  readonly accounts: readonly OrgAccount[];
}
