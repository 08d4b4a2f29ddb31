// What an operator reads when AWS Organizations refuses the session fence for good: which policy,
// which target, and what to change. Codes and reasons are Organizations' own (API reference,
// ConstraintViolationException; "Quotas for AWS Organizations").
import { ProviderError } from "../domain/errors.js";

export interface FenceSubject {
  readonly policy?: string;
  readonly target?: string;
}

function targetName(target: string): string {
  return target.startsWith("r-") ? `the organization root ${target}` : `account ${target}`;
}

function reasonOf(error: unknown): string | undefined {
  const reason = typeof error === "object" && error !== null ? (error as { Reason?: unknown }).Reason : undefined;
  return typeof reason === "string" ? reason : undefined;
}

/** `failure` (not retryable) reworded for the operator; the code stays AWS's. */
export function explainFenceFailure(failure: ProviderError, error: unknown, subject: FenceSubject): ProviderError {
  const policy = subject.policy ? `service control policy ${subject.policy}` : "the session fence";
  const where = subject.target ? ` on ${targetName(subject.target)}` : "";
  const advice = adviceFor(failure.code, reasonOf(error), policy, where);
  return advice ? new ProviderError(`${advice} (${failure.message})`, failure.code, false) : failure;
}

function adviceFor(code: string, reason: string | undefined, policy: string, where: string): string | undefined {
  switch (code) {
    case "ConstraintViolationException":
      if (reason === "POLICY_CONTENT_LIMIT_EXCEEDED") {
        return `The session fence does not fit in ${policy}: an SCP holds at most 5,120 characters. Add a policy name to sessionFence.policyNames (at most 4) so the fence spreads over more policies.`;
      }
      if (reason === "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED") {
        return `Cannot attach ${policy}${where}: it already holds 5 SCPs, the most AWS allows on a root, OU or account. Detach an SCP there, or name fewer policies in sessionFence.policyNames.`;
      }
      if (reason === "POLICY_NUMBER_LIMIT_EXCEEDED") {
        return `Cannot create ${policy}: the organization has as many SCPs as AWS allows. Delete unused SCPs.`;
      }
      return `AWS Organizations refused ${policy}${where} with ${reason ?? "a constraint violation"}.`;
    case "AccessDeniedException":
      return `The bot's role may not change ${policy}${where}: allow it organizations:ListRoots, ListPolicies, DescribePolicy, CreatePolicy, UpdatePolicy, AttachPolicy and ListTargetsForPolicy.`;
    case "AWSOrganizationsNotInUseException":
      return "The bot's account belongs to no organization, so the session fence cannot work: set sessionFence.mode to off, or run the bot in the management account or a delegated administrator.";
    case "PolicyTypeNotEnabledException":
    case "PolicyTypeNotAvailableForOrganizationException":
      return `Cannot use ${policy}${where}: service control policies are not enabled. Enable all features and the SCP policy type on the organization root.`;
    case "TargetNotFoundException":
      return `Cannot attach ${policy}${where}: the organization has no such target. Check the account ids in the policy file.`;
    case "DuplicatePolicyException":
      return `Cannot create ${policy}: another policy already has that name. Rename it, or choose other sessionFence.policyNames.`;
    case "MalformedPolicyDocumentException":
      return `AWS refused the document of ${policy} as malformed; this is a bug in jit-slack.`;
    default:
      return undefined;
  }
}
