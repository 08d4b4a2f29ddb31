// The policy file (YAML, or JSON, which YAML reads too): cross-references, conversion, loading.
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { z } from "zod";
import type { AutoApprove, Policy, PrincipalRef, Rule, Specificity } from "../domain/policy.js";
import { ConfigError, describeIssues } from "./problems.js";
import { GROUP_PREFIX, policySchema, SLACK_USER_ID, USERGROUP, type PolicyFile, type RuleFile } from "./policy-schema.js";

type Report = (path: PropertyKey[], message: string) => void;

// Names in rules compare case-insensitively, as they do when people type them in /jit.
function accountIdFor(policy: Pick<PolicyFile, "accounts">, ref: string): string | undefined {
  const wanted = ref.toLowerCase();
  return policy.accounts.find((a) => a.id === ref || a.name.toLowerCase() === wanted)?.id;
}

function permissionSetFor(policy: Pick<PolicyFile, "permissionSets">, ref: string): string | undefined {
  const wanted = ref.toLowerCase();
  return policy.permissionSets.find((name) => name.toLowerCase() === wanted);
}

function reportDuplicates(values: readonly string[], report: (index: number, value: string) => void): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) report(index, value);
    seen.add(value);
  });
}

function checkReferences(policy: PolicyFile, report: Report): void {
  reportDuplicates(
    policy.accounts.map((a) => a.id),
    (i, v) => report(["accounts", i, "id"], `duplicate account id ${v}`),
  );
  reportDuplicates(
    policy.accounts.map((a) => a.name.toLowerCase()),
    (i, v) => report(["accounts", i, "name"], `duplicate account name "${v}"`),
  );
  reportDuplicates(
    policy.permissionSets.map((p) => p.toLowerCase()),
    (i, v) => report(["permissionSets", i], `duplicate permission set "${v}"`),
  );
  reportDuplicates(
    policy.rules.map((r) => r.name),
    (i, v) => report(["rules", i, "name"], `duplicate rule name "${v}"`),
  );
  for (const [group, members] of Object.entries(policy.accountGroups)) {
    members.forEach((ref, i) => {
      if (!accountIdFor(policy, ref)) report(["accountGroups", group, i], `"${ref}" is not an account id or name listed under accounts`);
    });
  }
  policy.rules.forEach((rule, r) => {
    rule.accounts.forEach((ref, i) => {
      if (ref === "*") return;
      if (ref.startsWith(GROUP_PREFIX)) {
        if (!policy.accountGroups[ref.slice(GROUP_PREFIX.length)])
          report(["rules", r, "accounts", i], `"${ref}" names no group under accountGroups`);
      } else if (!accountIdFor(policy, ref)) {
        report(["rules", r, "accounts", i], `"${ref}" is not an account id or name listed under accounts`);
      }
    });
    rule.permissionSets.forEach((ref, i) => {
      if (ref !== "*" && !permissionSetFor(policy, ref))
        report(["rules", r, "permissionSets", i], `"${ref}" is not listed under permissionSets`);
    });
  });
}

function principalRef(value: string): PrincipalRef {
  const group = USERGROUP.exec(value);
  if (group?.[1]) return { kind: "usergroup", id: group[1] };
  return SLACK_USER_ID.test(value) ? { kind: "slack-user", id: value } : { kind: "email", email: value.toLowerCase() };
}

function ruleAccounts(policy: PolicyFile, refs: readonly string[]): { ids: string[]; specificity: Specificity["account"] } {
  const ids = new Set<string>();
  let specificity: Specificity["account"] = 0;
  for (const ref of refs) {
    if (ref === "*") {
      policy.accounts.forEach((a) => ids.add(a.id));
    } else if (ref.startsWith(GROUP_PREFIX)) {
      for (const member of policy.accountGroups[ref.slice(GROUP_PREFIX.length)] ?? []) ids.add(accountIdFor(policy, member) ?? member);
      specificity = Math.max(specificity, 1) as Specificity["account"];
    } else {
      ids.add(accountIdFor(policy, ref) ?? ref);
      specificity = 2;
    }
  }
  return { ids: [...ids], specificity };
}

function autoApprove(value: RuleFile["autoApprove"]): AutoApprove {
  if (value === "never" || value === "always") return { kind: value };
  return { kind: "schedule", schedule: { days: value.days, fromMinute: value.from, toMinute: value.to, timeZone: value.timeZone } };
}

function toRule(policy: PolicyFile, rule: RuleFile): Rule {
  const accounts = ruleAccounts(policy, rule.accounts);
  const everySet = rule.permissionSets.includes("*");
  const permissionSets = everySet ? [...policy.permissionSets] : rule.permissionSets.map((ref) => permissionSetFor(policy, ref) ?? ref);
  return Object.freeze({
    name: rule.name,
    accountIds: Object.freeze(accounts.ids),
    permissionSets: Object.freeze([...new Set(permissionSets)]),
    specificity: Object.freeze({ account: accounts.specificity, permissionSet: everySet ? 0 : 1 }),
    requesters: Object.freeze(rule.requesters.map(principalRef)),
    approvers: Object.freeze(rule.approvers.map(principalRef)),
    breakGlass: Object.freeze(rule.breakGlass.map(principalRef)),
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

function toPolicy(parsed: PolicyFile): Policy {
  return Object.freeze({
    unmanagedAssignments: parsed.unmanagedAssignments,
    admins: Object.freeze(parsed.admins.map(principalRef)),
    sharedAddressPatterns: Object.freeze([...parsed.sharedAddressPatterns]),
    accounts: Object.freeze(parsed.accounts.map((a) => Object.freeze({ id: a.id, name: a.name }))),
    permissionSets: Object.freeze([...parsed.permissionSets]),
    rules: Object.freeze(parsed.rules.map((rule) => toRule(parsed, rule))),
    sessionFence: Object.freeze({ ...parsed.sessionFence, policyNames: Object.freeze([...parsed.sessionFence.policyNames]) }),
  });
}

/** Every Slack user group the policy names, so the directory knows which memberships matter. */
export function usergroupsIn(policy: Policy): string[] {
  const refs = [...policy.admins, ...policy.rules.flatMap((r) => [...r.requesters, ...r.approvers, ...r.breakGlass])];
  return [...new Set(refs.flatMap((ref) => (ref.kind === "usergroup" ? [ref.id] : [])))];
}

/** Parses policy text; `source` names the file in errors. */
export function parsePolicy(text: string, source: string): Policy {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => error.message.split("\n")[0] ?? error.message),
    );
  }
  const parsed = policySchema.safeParse(document.toJS());
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues));
  const problems: z.core.$ZodIssue[] = [];
  checkReferences(parsed.data, (path, message) => problems.push({ code: "custom", path, message, input: undefined }));
  if (problems.length > 0) throw new ConfigError(source, describeIssues(problems));
  return toPolicy(parsed.data);
}

export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`The policy file ${path}`, [`cannot be read: ${(error as Error).message} (set JIT_POLICY_FILE)`]);
  }
  return parsePolicy(text, `The policy file ${path}`);
}
