// When a pending request is escalated and when its approvers are reminded: pure functions of the
// rule, the request's age and what is on record, so a sweep, a replica or a restarted bot agrees.
import type { Rule } from "./policy.js";

/** What is on record about a pending request's escalation and reminders. */
export interface NudgeState {
  /** When it was escalated; null while it has not been. */
  readonly escalatedAt: number | null;
  /** When its approvers were last reminded; null before the first reminder. */
  readonly remindedAt: number | null;
}

export const NO_NUDGES: NudgeState = Object.freeze({ escalatedAt: null, remindedAt: null });

type NudgeRule = Pick<Rule, "escalation" | "remindEveryMs">;

/** The rule escalates, this request has not been escalated, and nobody decided within escalateAfter. */
export function escalationDue(rule: NudgeRule, createdAt: number, state: NudgeState, now: number): boolean {
  return rule.escalation != null && state.escalatedAt === null && now - createdAt >= rule.escalation.afterMs;
}

/**
 * The rule reminds, and remindEvery has passed since the last reminder (or the request, before the
 * first). A bot that was down for several intervals reminds once, not once per interval missed.
 */
export function reminderDue(rule: NudgeRule, createdAt: number, state: NudgeState, now: number): boolean {
  const every = rule.remindEveryMs;
  if (every == null) return false;
  return now - (state.remindedAt ?? createdAt) >= every;
}

/** Whether any rule escalates or reminds: when none does, the sweep reads nothing for it. */
export function anyRuleNudges(rules: readonly NudgeRule[]): boolean {
  return rules.some((rule) => rule.escalation != null || rule.remindEveryMs != null);
}
