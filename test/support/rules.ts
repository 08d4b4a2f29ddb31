// A rule's optional parts at their policy-file defaults, for tests that build rules by hand.
import type { Rule, Policy } from "../../src/domain/policy.js";

export const RULE_DEFAULTS = {
  specificity: { account: 2, permissionSet: 1 },
  breakGlass: [],
  notifyApprovers: false,
  approvalsRequired: 1,
  allowSelfApproval: false,
  autoApprove: { kind: "never" },
  approvalTimeoutMs: 3_600_000,
  activationTimeoutMs: 3_600_000,
  ticket: { required: false, pattern: null },
  justificationMinLength: 1,
  warnBeforeExpiryMs: 600_000,
  requireSessionFence: false,
  silentApprovers: [],
  escalation: null,
  remindEveryMs: null,
  groups: [],
} as const satisfies Partial<Rule>;

/** A complete rule: the defaults, then `rule` (maxTotalDurationMs defaults to maxDurationMs). */
export function fullRule(rule: Omit<Rule, keyof typeof RULE_DEFAULTS | "maxTotalDurationMs"> & Partial<Rule>): Rule {
  return { ...RULE_DEFAULTS, maxTotalDurationMs: rule.maxDurationMs, ...rule };
}

/** The policy file's sessionFence section when the file has none: fencing off. */
export const FENCE_OFF: Policy["sessionFence"] = {
  mode: "off",
  policyNames: ["jit-slack-session-fence-1", "jit-slack-session-fence-2", "jit-slack-session-fence-3"],
  attachTo: "root",
  whenFull: "fence-role",
};
