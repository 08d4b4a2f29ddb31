// The policy file (YAML, or JSON, which YAML reads too): schema, cross-references, and loading.
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { z } from "zod";
import { parseDuration } from "../domain/duration.js";
import type { Policy, PrincipalRef, Rule } from "../domain/policy.js";
import { ConfigError, describeIssues } from "./problems.js";

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;

const name = z.string().trim().min(1, { error: "must not be empty" });

const principal = z
  .string({ error: "must be a Slack user id (U…) or an email address" })
  .trim()
  .refine((value) => SLACK_USER_ID.test(value) || EMAIL.test(value), {
    error: "must be a Slack user id (U…) or an email address",
  });

const duration = z.string({ error: 'must be a duration such as "4h" or "1h30m"' }).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

const policySchema = z
  .object({
    unmanagedAssignments: z
      .enum(["ignore", "report", "enforce"], { error: "must be ignore, report or enforce" })
      .default("ignore"),
    accounts: z
      .array(
        z.strictObject({
          id: z.string({ error: 'must be the 12-digit account id in quotes, e.g. "123456789012" (unquoted, YAML reads a number and drops leading zeros)' }).regex(/^\d{12}$/, { error: "must be exactly 12 digits" }),
          name,
        }),
      )
      .min(1, { error: "list at least one account" }),
    permissionSets: z.array(name).min(1, { error: "list at least one permission set by name" }),
    rules: z
      .array(
        z.strictObject({
          name,
          accounts: z.array(name).min(1, { error: "name at least one account" }),
          permissionSets: z.array(name).min(1, { error: "name at least one permission set" }),
          requesters: z.array(principal).min(1, { error: "name at least one requester" }),
          approvers: z.array(principal).min(1, { error: "name at least one approver" }),
          approverChannel: z.string({ error: "required: the channel id (C…) where approvals are posted" }).regex(CHANNEL_ID, { error: "must be a Slack channel id such as C0123456789" }),
          maxDuration: duration,
          allowSelfApproval: z.boolean().default(false),
        }),
      )
      .min(1, { error: "define at least one rule" }),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const report = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });
    reportDuplicates(policy.accounts.map((a) => a.id), (i, v) => report(["accounts", i, "id"], `duplicate account id ${v}`));
    reportDuplicates(policy.accounts.map((a) => a.name.toLowerCase()), (i, v) => report(["accounts", i, "name"], `duplicate account name "${v}"`));
    reportDuplicates(policy.permissionSets.map((p) => p.toLowerCase()), (i, v) => report(["permissionSets", i], `duplicate permission set "${v}"`));
    reportDuplicates(policy.rules.map((r) => r.name), (i, v) => report(["rules", i, "name"], `duplicate rule name "${v}"`));
    policy.rules.forEach((rule, r) => {
      rule.accounts.forEach((ref, i) => {
        if (!accountIdFor(policy, ref)) report(["rules", r, "accounts", i], `"${ref}" is not an account id or name listed under accounts`);
      });
      rule.permissionSets.forEach((ref, i) => {
        if (!permissionSetFor(policy, ref)) report(["rules", r, "permissionSets", i], `"${ref}" is not listed under permissionSets`);
      });
    });
  });

// Names in rules compare case-insensitively, as they do when people type them in /jit.
function accountIdFor(policy: { accounts: ReadonlyArray<{ id: string; name: string }> }, ref: string): string | undefined {
  const wanted = ref.toLowerCase();
  return policy.accounts.find((a) => a.id === ref || a.name.toLowerCase() === wanted)?.id;
}

function permissionSetFor(policy: { permissionSets: readonly string[] }, ref: string): string | undefined {
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

function principalRef(value: string): PrincipalRef {
  return SLACK_USER_ID.test(value) ? { kind: "slack-user", id: value } : { kind: "email", email: value.toLowerCase() };
}

type ParsedPolicy = z.output<typeof policySchema>;

function toPolicy(parsed: ParsedPolicy): Policy {
  const rules: Rule[] = parsed.rules.map((rule) =>
    Object.freeze({
      name: rule.name,
      accountIds: Object.freeze([...new Set(rule.accounts.map((ref) => accountIdFor(parsed, ref) ?? ref))]),
      permissionSets: Object.freeze([...new Set(rule.permissionSets.map((ref) => permissionSetFor(parsed, ref) ?? ref))]),
      requesters: Object.freeze(rule.requesters.map(principalRef)),
      approvers: Object.freeze(rule.approvers.map(principalRef)),
      approverChannel: rule.approverChannel,
      maxDurationMs: rule.maxDuration,
      allowSelfApproval: rule.allowSelfApproval,
    }),
  );
  return Object.freeze({
    unmanagedAssignments: parsed.unmanagedAssignments,
    accounts: Object.freeze(parsed.accounts.map((a) => Object.freeze({ id: a.id, name: a.name }))),
    permissionSets: Object.freeze([...parsed.permissionSets]),
    rules: Object.freeze(rules),
  });
}

/** Parses policy text; `source` names the file in errors. */
export function parsePolicy(text: string, source: string): Policy {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(source, document.errors.map((error) => error.message.split("\n")[0] ?? error.message));
  }
  const parsed = policySchema.safeParse(document.toJS());
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues));
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
