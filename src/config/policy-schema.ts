// The policy file's shape (zod): every key, its default, and the message when it is wrong.
import { z } from "zod";
import { formatDuration, parseDuration } from "../domain/duration.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS } from "../domain/policy.js";
import { DEFAULT_MAX_TARGETS, MAX_TARGETS_LIMIT } from "../domain/request-bundle.js";
import { isTimeZone, parseClock, WEEKDAYS } from "../domain/schedule.js";
import { accountRef, ACCOUNT_NAME_HELP, isPlainAccountName } from "./account-refs.js";

export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;
export const USERGROUP = /^usergroup:(S[A-Z0-9]{2,})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;

const name = z.string().trim().min(1, { error: "must not be empty" });

const PRINCIPAL_HELP = "must be a Slack user id (U…), an email address, or usergroup:<Slack user group id, S…>";
const principal = z
  .string({ error: PRINCIPAL_HELP })
  .trim()
  .refine((value) => SLACK_USER_ID.test(value) || EMAIL.test(value) || USERGROUP.test(value), { error: PRINCIPAL_HELP });

const duration = z.string({ error: 'must be a duration such as "4h" or "1h30m"' }).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

const clock = (allowMidnightEnd: boolean) =>
  z.string({ error: 'must be a time such as "09:00"' }).transform((value, ctx) => {
    const minute = allowMidnightEnd && value === "24:00" ? 24 * 60 : parseClock(value);
    if (minute === undefined) {
      ctx.addIssue({ code: "custom", message: `"${value}" is not a 24-hour time such as "09:00"` });
      return z.NEVER;
    }
    return minute;
  });

const schedule = z
  .strictObject({
    days: z.array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(", ")}` })).min(1, { error: "name at least one day" }),
    from: clock(false),
    to: clock(true),
    timeZone: z.string({ error: "required: an IANA time zone such as Europe/Berlin" }).refine(isTimeZone, {
      error: "is not a time zone this system knows (use an IANA name such as Europe/Berlin)",
    }),
  })
  .refine((value) => value.from < value.to, { error: '"from" must be before "to"', path: ["to"] });

const autoApprove = z.union([z.literal("never"), z.literal("always"), schedule], {
  error: 'must be "never", "always", or a schedule { days, from, to, timeZone }',
});

// Reminders are posted to the approvers' channel; more often than this would be noise, not help.
const SHORTEST_REMINDER_MS = 5 * 60_000;

const escalateTo = z.strictObject({
  approvers: z.array(principal).min(1, { error: "name at least one approver to escalate to" }),
  // Where the escalation is posted; without it, each of its approvers gets a direct message.
  channel: z
    .string({ error: "must be a Slack channel id such as C0123456789" })
    .regex(CHANNEL_ID, { error: "must be a Slack channel id such as C0123456789" })
    .optional(),
});

const pattern = z.string().transform((value, ctx) => {
  try {
    return new RegExp(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `is not a valid regular expression: ${(error as Error).message}` });
    return z.NEVER;
  }
});

const NO_ACCOUNTS = "name at least one account (an id or name, group:<name>, ou:<OU id or path>, tag:<key>=<value>, or *), or offer groups";
const NO_PERMISSION_SETS = "name at least one permission set (or *)";

export const ruleSchema = z
  .strictObject({
    name,
    // Both may be left out by a rule that offers only groups (checked below).
    accounts: z.array(accountRef).default([]),
    permissionSets: z.array(name).default([]),
    // Identity Center groups (Identity Store DisplayName or GroupId) whose membership the rule grants.
    groups: z.array(name).default([]),
    requesters: z.array(principal).default([]),
    approvers: z.array(principal).min(1, { error: "name at least one approver" }),
    silentApprovers: z.array(principal).default([]),
    escalateTo: escalateTo.optional(),
    escalateAfter: duration.optional(),
    remindEvery: duration.optional(),
    breakGlass: z.array(principal).default([]),
    approverChannel: z
      .string({ error: "required: the channel id (C…) where approvals are posted" })
      .regex(CHANNEL_ID, { error: "must be a Slack channel id such as C0123456789" }),
    notifyApprovers: z.boolean().default(false),
    approvalsRequired: z.number().int().min(1, { error: "must be at least 1" }).max(10).default(1),
    allowSelfApproval: z.boolean().default(false),
    autoApprove: autoApprove.default("never"),
    maxDuration: duration,
    maxTotalDuration: duration.optional(),
    approvalTimeout: duration.default(DEFAULT_APPROVAL_TIMEOUT_MS),
    // Default: the rule's approvalTimeout (filled in by policy-file.ts, which sees both).
    activationTimeout: duration.optional(),
    ticket: z.strictObject({ required: z.boolean().default(false), pattern: pattern.optional() }).optional(),
    justificationMinLength: z.number().int().min(1).max(1000).default(1),
    warnBeforeExpiry: duration.default(10 * 60_000),
    requireSessionFence: z.boolean().default(false),
  })
  .superRefine((rule, ctx) => {
    if (rule.groups.length === 0 || rule.accounts.length > 0 || rule.permissionSets.length > 0) {
      if (rule.accounts.length === 0) ctx.addIssue({ code: "custom", path: ["accounts"], message: NO_ACCOUNTS });
      if (rule.permissionSets.length === 0) ctx.addIssue({ code: "custom", path: ["permissionSets"], message: NO_PERMISSION_SETS });
    }
    if (rule.requesters.length === 0 && rule.breakGlass.length === 0) {
      ctx.addIssue({ code: "custom", path: ["requesters"], message: "name at least one requester (or breakGlass person)" });
    }
    if (rule.maxTotalDuration !== undefined && rule.maxTotalDuration < rule.maxDuration) {
      ctx.addIssue({ code: "custom", path: ["maxTotalDuration"], message: "must be at least maxDuration" });
    }
    const deciders = [...rule.approvers, ...rule.silentApprovers];
    const countable = deciders.every((approver) => !USERGROUP.test(approver));
    if (countable && rule.approvers.length > 0 && deciders.length < rule.approvalsRequired) {
      ctx.addIssue({
        code: "custom",
        path: ["approvalsRequired"],
        message: `needs ${rule.approvalsRequired} distinct approvers but the rule names only ${deciders.length}`,
      });
    }
    nudgeProblems(rule, ctx);
  });

/** escalateTo and escalateAfter go together, and both they and remindEvery must come before the request expires. */
function nudgeProblems(
  rule: { escalateTo?: unknown; escalateAfter?: number | undefined; remindEvery?: number | undefined; approvalTimeout: number },
  ctx: z.RefinementCtx,
): void {
  const timeout = `shorter than approvalTimeout (${formatDuration(rule.approvalTimeout)}), or the request expires first`;
  if (rule.escalateTo !== undefined && rule.escalateAfter === undefined) {
    ctx.addIssue({ code: "custom", path: ["escalateAfter"], message: 'required with escalateTo: how long to wait, e.g. "15m"' });
  }
  if (rule.escalateAfter !== undefined && rule.escalateTo === undefined) {
    ctx.addIssue({ code: "custom", path: ["escalateTo"], message: "required with escalateAfter: { approvers: [...], channel: C… }" });
  }
  if (rule.escalateAfter !== undefined && rule.escalateAfter >= rule.approvalTimeout) {
    ctx.addIssue({ code: "custom", path: ["escalateAfter"], message: `must be ${timeout}` });
  }
  if (rule.remindEvery !== undefined && rule.remindEvery < SHORTEST_REMINDER_MS) {
    ctx.addIssue({ code: "custom", path: ["remindEvery"], message: `must be at least ${formatDuration(SHORTEST_REMINDER_MS)}` });
  } else if (rule.remindEvery !== undefined && rule.remindEvery >= rule.approvalTimeout) {
    ctx.addIssue({ code: "custom", path: ["remindEvery"], message: `must be ${timeout}` });
  }
}

// An SCP name: 1 to 128 characters (Organizations CreatePolicy, Name).
const scpName = z.string().trim().min(1, { error: "must not be empty" }).max(128, { error: "must be at most 128 characters" });

// At most five SCPs may be attached to one root, OU or account (AWS Organizations quotas), and the
// root usually keeps FullAWSAccess, so the fence takes at most four of them.
const sessionFenceSchema = z.strictObject({
  mode: z.enum(["scp", "off"], { error: "must be scp or off" }).default("off"),
  policyNames: z
    .array(scpName)
    .min(1, { error: "name at least one policy" })
    .max(4, { error: "at most 4: a target holds 5 SCPs, one of them usually FullAWSAccess" })
    .refine((names) => new Set(names).size === names.length, { error: "must not repeat a name" })
    .default(["jit-slack-session-fence-1", "jit-slack-session-fence-2", "jit-slack-session-fence-3"]),
  attachTo: z.enum(["root", "accounts"], { error: "must be root or accounts" }).default("root"),
  // fence-role: when the policies cannot hold every revoked user, a role is fenced as a whole
  // (domain/session-fence.ts, RoleWideFence); leave-unfenced: those users' sessions stay valid.
  whenFull: z.enum(["fence-role", "leave-unfenced"], { error: "must be fence-role or leave-unfenced" }).default("fence-role"),
});

// Each refresh reads every account's tags (one ListTagsForResource call per account), so not more
// often than every 5 minutes; `jit-admin org refresh` is there for the moment a change must show.
const organizationSchema = z.strictObject({
  accounts: z
    .enum(["aws", "file"], { error: "must be aws (read from AWS Organizations) or file (only those under accounts)" })
    .default("file"),
  refreshMinutes: z
    .number({ error: "must be a number of minutes" })
    .int({ error: "must be a whole number of minutes" })
    .min(5, { error: "must be at least 5" })
    .max(1440, { error: "must be at most 1440 (a day)" })
    .default(60),
  exclude: z.array(name).default([]),
});

export const policySchema = z.strictObject({
  organization: organizationSchema.default({ accounts: "file", refreshMinutes: 60, exclude: [] }),
  sessionFence: sessionFenceSchema.default({
    mode: "off",
    policyNames: ["jit-slack-session-fence-1", "jit-slack-session-fence-2", "jit-slack-session-fence-3"],
    attachTo: "root",
    whenFull: "fence-role",
  }),
  unmanagedAssignments: z.enum(["ignore", "report", "enforce"], { error: "must be ignore, report or enforce" }).default("ignore"),
  maxTargetsPerRequest: z
    .number({ error: "must be a whole number of targets" })
    .int({ error: "must be a whole number of targets" })
    .min(1, { error: "must be at least 1 (1 allows one account and permission set per request)" })
    .max(MAX_TARGETS_LIMIT, { error: `must be at most ${MAX_TARGETS_LIMIT}, the most one approval message can show` })
    .default(DEFAULT_MAX_TARGETS),
  admins: z.array(principal).default([]),
  sharedAddressPatterns: z.array(pattern).default([]),
  accounts: z
    .array(
      z.strictObject({
        id: z
          .string({
            error: 'must be the 12-digit account id in quotes, e.g. "123456789012" (unquoted, YAML reads a number and drops leading zeros)',
          })
          .regex(/^\d{12}$/, { error: "must be exactly 12 digits" }),
        name: name.refine(isPlainAccountName, { error: ACCOUNT_NAME_HELP }),
      }),
    )
    // At least one unless they come from AWS Organizations (checked in policy-file.ts, which sees both).
    .default([]),
  accountGroups: z
    .record(z.string().regex(/^[\w.-]+$/, { error: "group names use letters, digits, _ . -" }), z.array(name).min(1))
    .default({}),
  permissionSets: z
    .array(name.refine((value) => value !== "*", { error: 'must not be "*"' }))
    .min(1, { error: "list at least one permission set by name" }),
  rules: z.array(ruleSchema).min(1, { error: "define at least one rule" }),
});

export type PolicyFile = z.output<typeof policySchema>;
export type RuleFile = z.output<typeof ruleSchema>;
export type OrganizationFile = z.output<typeof organizationSchema>;
