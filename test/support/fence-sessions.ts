// What the session fence's policies in the fake AWS do to one role session: evaluated with the SCP
// evaluator over every policy the bot owns, as IAM would over every SCP on the account.
import type { FakeAws } from "../../src/simulators/fake-aws.js";
import { scpDenies } from "./iam-scp-evaluator.js";

/** The policy file's default sessionFence.policyNames. */
export const FENCE_POLICIES = ["jit-slack-session-fence-1", "jit-slack-session-fence-2", "jit-slack-session-fence-3"] as const;

export interface RoleSession {
  readonly principalId: string;
  readonly accountId: string;
  readonly permissionSetName: string;
  /** When its credentials were issued (epoch ms). */
  readonly issuedAt: number;
}

/** The role Identity Center made for this permission set in this account (16 hex characters, as AWS names it). */
export function ssoRoleArn(accountId: string, permissionSetName: string): string {
  return `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_${permissionSetName}_0123456789abcdef`;
}

/** The contents of the bot's policies that exist in the fake AWS. */
export function fencePolicies(aws: FakeAws, names: readonly string[] = FENCE_POLICIES): string[] {
  return names.map((name) => aws.scpContent(name)).filter((content): content is string => content !== undefined);
}

/** Whether any of the bot's policies denies this session. */
export function fenceDenies(aws: FakeAws, session: RoleSession, names: readonly string[] = FENCE_POLICIES): boolean {
  const context = {
    "identitystore:userId": session.principalId,
    "aws:PrincipalArn": ssoRoleArn(session.accountId, session.permissionSetName),
    "aws:TokenIssueTime": session.issuedAt,
  };
  return fencePolicies(aws, names).some((content) => scpDenies(content, context));
}

/** How many times a user id is named across the bot's policies. */
export function timesNamed(aws: FakeAws, principalId: string, names: readonly string[] = FENCE_POLICIES): number {
  return fencePolicies(aws, names).reduce((sum, content) => sum + content.split(`"${principalId}"`).length - 1, 0);
}
