// The policy file (YAML, or JSON, which YAML reads too): its own cross-references, and loading it
// as a PolicySource, which makes the domain Policy once the organization is known (if it needs one).
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { z } from "zod";
import type { Policy } from "../domain/policy.js";
import { orgTree, type OrgSnapshot } from "../domain/organization.js";
import { ConfigError, describeIssues } from "./problems.js";
import { policySchema, type PolicyFile } from "./policy-schema.js";
import type { Report } from "./policy-accounts.js";
import { permissionSetFor, resolvePolicy, type Resolution } from "./policy-resolve.js";

export type { Resolution } from "./policy-resolve.js";

/** The policy file, parsed and checked, waiting for the organization's accounts when it takes them from AWS Organizations. */
export interface PolicySource {
  /** organization.accounts is aws: resolve needs a snapshot of the organization. */
  readonly needsOrganization: boolean;
  /** A rule names a tag: the snapshot must carry each account's tags (ListTagsForResource). */
  readonly withTags: boolean;
  /** How often the organization is read again (organization.refreshMinutes). */
  readonly refreshMs: number;
  /**
   * The Policy with the organization as read (ignored when the file lists the accounts itself).
   * Throws ConfigError naming each key that does not resolve: a rule naming an OU the organization
   * no longer has, an ambiguous account name, an account that is nowhere; or null when one is needed.
   */
  resolve(snapshot: OrgSnapshot | null): Policy;
  /**
   * As resolve, with the warnings; without a snapshot when one is needed, the policy of the file's
   * own accounts, with the rules' entries it could not expand (for policy:check).
   */
  check(snapshot: OrgSnapshot | null): Resolution;
}

function reportDuplicates(values: readonly string[], report: (index: number, value: string) => void): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) report(index, value);
    seen.add(value);
  });
}

/** What the file must hold whatever the organization has: no duplicates, known groups and permission sets, a consistent mode. */
function checkFile(policy: PolicyFile, report: Report): void {
  const fromAws = policy.organization.accounts === "aws";
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
  if (!fromAws && policy.accounts.length === 0) {
    report(["accounts"], "list at least one account (or take them from AWS Organizations: organization.accounts: aws)");
  }
  policy.organization.exclude.forEach((entry, i) => {
    const path = ["organization", "exclude", i];
    if (!fromAws) report(path, "only applies with organization.accounts: aws; in file mode, leave the account out of accounts");
    else if (policy.accounts.some((a) => a.id === entry || a.name.toLowerCase() === entry.toLowerCase())) {
      report(path, `"${entry}" is also listed under accounts; remove one of the two`);
    }
  });
  policy.rules.forEach((rule, r) => {
    rule.accounts.forEach((ref, i) => {
      if (ref.kind === "group" && !policy.accountGroups[ref.group]) {
        report(["rules", r, "accounts", i], `"${ref.text}" names no group under accountGroups`);
      }
      if (ref.kind === "org" && !fromAws) {
        report(["rules", r, "accounts", i], `"${ref.text}" needs the organization's accounts (organization.accounts: aws)`);
      }
    });
    rule.permissionSets.forEach((ref, i) => {
      if (ref !== "*" && !permissionSetFor(policy, ref))
        report(["rules", r, "permissionSets", i], `"${ref}" is not listed under permissionSets`);
    });
  });
}

/** Every Slack user group the policy names, so the directory knows which memberships matter. */
export function usergroupsIn(policy: Policy): string[] {
  const refs = [
    ...policy.admins,
    ...policy.rules.flatMap((r) => [
      ...r.requesters,
      ...r.approvers,
      ...r.breakGlass,
      ...(r.silentApprovers ?? []),
      ...(r.escalation?.approvers ?? []),
    ]),
  ];
  return [...new Set(refs.flatMap((ref) => (ref.kind === "usergroup" ? [ref.id] : [])))];
}

function readPolicyFile(text: string, source: string): PolicyFile {
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
  checkFile(parsed.data, (path, message) => problems.push({ code: "custom", path, message, input: undefined }));
  if (problems.length > 0) throw new ConfigError(source, describeIssues(problems));
  return parsed.data;
}

/** Parses policy text; `source` names the file in errors. In file mode the accounts resolve at once, so every problem shows here. */
export function parsePolicySource(text: string, source: string): PolicySource {
  const parsed = readPolicyFile(text, source);
  const needsOrganization = parsed.organization.accounts === "aws";
  const base = {
    needsOrganization,
    withTags:
      needsOrganization && parsed.rules.some((rule) => rule.accounts.some((ref) => ref.kind === "org" && ref.selector.kind === "tag")),
    refreshMs: parsed.organization.refreshMinutes * 60_000,
  };
  if (!needsOrganization) {
    const resolution = resolvePolicy(parsed, { kind: "file" }, source);
    return { ...base, resolve: () => resolution.policy, check: () => resolution };
  }
  const check = (snapshot: OrgSnapshot | null): Resolution =>
    snapshot === null
      ? resolvePolicy(parsed, { kind: "unread" }, source)
      : resolvePolicy(
          parsed,
          { kind: "org", tree: orgTree(snapshot) },
          `${source}, with the organization read at ${new Date(snapshot.readAt).toISOString()},`,
        );
  return {
    ...base,
    check,
    resolve(snapshot) {
      if (snapshot === null) {
        throw new ConfigError(source, [
          "organization.accounts: aws takes the accounts from AWS Organizations, and they have not been read",
        ]);
      }
      return check(snapshot).policy;
    },
  };
}

export function loadPolicySource(path: string): PolicySource {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`The policy file ${path}`, [`cannot be read: ${(error as Error).message} (set JIT_POLICY_FILE)`]);
  }
  return parsePolicySource(text, `The policy file ${path}`);
}

/** The policy of a file that lists its accounts itself; one taking them from AWS Organizations is refused (resolve needs the snapshot). */
export function loadPolicyFile(path: string): Policy {
  return loadPolicySource(path).resolve(null);
}

export function parsePolicy(text: string, source: string): Policy {
  return parsePolicySource(text, source).resolve(null);
}
