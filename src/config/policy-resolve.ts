// The parsed policy file made into the frozen domain Policy, with each rule's accounts as ids.
import type { z } from "zod";
import type { Account, AutoApprove, Escalation, Policy, PrincipalRef, Rule, Specificity } from "../domain/policy.js";
import { formatPath, ConfigError, describeIssues } from "./problems.js";
import { accountUniverse, type AccountUniverse, type OrgContext, type Report } from "./policy-accounts.js";
import { SLACK_USER_ID, USERGROUP, type PolicyFile, type RuleFile } from "./policy-schema.js";

export interface Resolution {
  readonly policy: Policy;
  /** What the bot can work with but a person should look at, each naming its key. */
  readonly warnings: readonly string[];
  /** Entries of rules' accounts only the organization can expand, when resolved without it. */
  readonly unexpanded: readonly string[];
}

/** A rule's permission set as the policy spells it; names compare case-insensitively, as in /jit. */
export function permissionSetFor(policy: Pick<PolicyFile, "permissionSets">, ref: string): string | undefined {
  const wanted = ref.toLowerCase();
  return policy.permissionSets.find((name) => name.toLowerCase() === wanted);
}

function principalRef(value: string): PrincipalRef {
  const group = USERGROUP.exec(value);
  if (group?.[1]) return { kind: "usergroup", id: group[1] };
  return SLACK_USER_ID.test(value) ? { kind: "slack-user", id: value } : { kind: "email", email: value.toLowerCase() };
}

// ou: and tag: rank with account groups: they name a set of accounts, not one.
const SPECIFICITY = { all: 0, group: 1, org: 1, account: 2 } as const satisfies Record<string, Specificity["account"]>;

function ruleAccounts(
  universe: AccountUniverse,
  rule: RuleFile,
  path: PropertyKey[],
  unexpanded: string[],
): { ids: string[]; specificity: Specificity["account"] } {
  const ids = new Set<string>();
  let specificity: Specificity["account"] = 0;
  rule.accounts.forEach((ref, i) => {
    const expansion = universe.expand(ref, [...path, i]);
    expansion.ids.forEach((id) => ids.add(id));
    if (expansion.unexpanded) unexpanded.push(`${formatPath([...path, i])}: ${ref.text}`);
    specificity = Math.max(specificity, SPECIFICITY[ref.kind]) as Specificity["account"];
  });
  return { ids: [...ids], specificity };
}

function autoApprove(value: RuleFile["autoApprove"]): AutoApprove {
  if (value === "never" || value === "always") return { kind: value };
  return { kind: "schedule", schedule: { days: value.days, fromMinute: value.from, toMinute: value.to, timeZone: value.timeZone } };
}

function escalation(rule: RuleFile): Escalation | null {
  if (!rule.escalateTo || rule.escalateAfter === undefined) return null;
  const approvers = Object.freeze(rule.escalateTo.approvers.map(principalRef));
  return Object.freeze({ approvers, channel: rule.escalateTo.channel ?? null, afterMs: rule.escalateAfter });
}

function toRule(policy: PolicyFile, rule: RuleFile, accounts: ReturnType<typeof ruleAccounts>): Rule {
  const everySet = rule.permissionSets.includes("*");
  const permissionSets = everySet ? [...policy.permissionSets] : rule.permissionSets.map((ref) => permissionSetFor(policy, ref) ?? ref);
  return Object.freeze({
    name: rule.name,
    accountIds: Object.freeze(accounts.ids),
    permissionSets: Object.freeze([...new Set(permissionSets)]),
    groups: Object.freeze([...rule.groups]),
    specificity: Object.freeze({ account: accounts.specificity, permissionSet: everySet ? 0 : 1 }),
    requesters: Object.freeze(rule.requesters.map(principalRef)),
    approvers: Object.freeze(rule.approvers.map(principalRef)),
    breakGlass: Object.freeze(rule.breakGlass.map(principalRef)),
    silentApprovers: Object.freeze(rule.silentApprovers.map(principalRef)),
    escalation: escalation(rule),
    remindEveryMs: rule.remindEvery ?? null,
    approverChannel: rule.approverChannel,
    notifyApprovers: rule.notifyApprovers,
    approvalsRequired: rule.approvalsRequired,
    allowSelfApproval: rule.allowSelfApproval,
    autoApprove: autoApprove(rule.autoApprove),
    maxDurationMs: rule.maxDuration,
    maxTotalDurationMs: rule.maxTotalDuration ?? rule.maxDuration,
    approvalTimeoutMs: rule.approvalTimeout,
    activationTimeoutMs: rule.activationTimeout ?? rule.approvalTimeout,
    ticket: Object.freeze({ required: rule.ticket?.required ?? false, pattern: rule.ticket?.pattern ?? null }),
    justificationMinLength: rule.justificationMinLength,
    warnBeforeExpiryMs: rule.warnBeforeExpiry,
    requireSessionFence: rule.requireSessionFence,
  });
}

function frozenAccount({ id, name, org }: Account): Account {
  if (!org) return Object.freeze({ id, name });
  const place = { path: org.path, unitIds: Object.freeze([...org.unitIds]), tags: Object.freeze({ ...org.tags }) };
  return Object.freeze({ id, name, org: Object.freeze(place) });
}

function toPolicy(parsed: PolicyFile, accounts: readonly Account[], rules: readonly Rule[]): Policy {
  return Object.freeze({
    unmanagedAssignments: parsed.unmanagedAssignments,
    admins: Object.freeze(parsed.admins.map(principalRef)),
    sharedAddressPatterns: Object.freeze([...parsed.sharedAddressPatterns]),
    accounts: Object.freeze(accounts.map(frozenAccount)),
    permissionSets: Object.freeze([...parsed.permissionSets]),
    rules: Object.freeze(rules),
    sessionFence: Object.freeze({ ...parsed.sessionFence, policyNames: Object.freeze([...parsed.sessionFence.policyNames]) }),
    maxTargetsPerRequest: parsed.maxTargetsPerRequest,
  });
}

/** The policy from a file whose own cross-references hold; throws ConfigError (from `source`) naming each key that does not resolve. */
export function resolvePolicy(parsed: PolicyFile, context: OrgContext, source: string): Resolution {
  const problems: z.core.$ZodIssue[] = [];
  const warnings: string[] = [];
  const unexpanded: string[] = [];
  const report: Report = (path, message) => problems.push({ code: "custom", path, message, input: undefined });
  const warn: Report = (path, message) => warnings.push(`${formatPath(path)}: ${message}`);
  const universe = accountUniverse(parsed, context, report, warn);
  const rules = parsed.rules.map((rule, r) => toRule(parsed, rule, ruleAccounts(universe, rule, ["rules", r, "accounts"], unexpanded)));
  if (problems.length > 0) throw new ConfigError(source, describeIssues(problems));
  return { policy: toPolicy(parsed, universe.accounts, rules), warnings, unexpanded };
}
