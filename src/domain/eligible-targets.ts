// What a person may request, read a slice at a time: `/jit help` shows one page of it without
// listing every (account, permission set) pair, which is 1.5 million entries at 5,000 accounts
// and 300 permission sets.
import { eligibleAccounts, eligiblePermissionSets, eligibleTargetCount, eligibleTargetsOn } from "./eligibility-index.js";
import type { Person } from "./people.js";
import type { Eligibility, Policy } from "./policy.js";

export interface EligibleTargets {
  /** eligibleTargets(…).length */
  readonly count: number;
  /** eligibleTargets(…).slice(start, end), in the same order. */
  slice(start: number, end: number): readonly Eligibility[];
}

/** From the eligibility index: a slice costs one count per eligible account and the accounts it touches. */
export function indexedTargets(policy: Policy, person: Person): EligibleTargets {
  return {
    count: eligibleTargetCount(policy, person),
    slice(start, end) {
      const found: Eligibility[] = [];
      let offset = 0;
      for (const account of eligibleAccounts(policy, person)) {
        if (offset >= end) break;
        const count = eligiblePermissionSets(policy, person, account.id).length;
        if (offset + count > start) {
          const targets = eligibleTargetsOn(policy, person, account.id);
          found.push(...targets.slice(Math.max(0, start - offset), end - offset));
        }
        offset += count;
      }
      return found;
    },
  };
}

/** From a list (eligibleTargets), for tests and small policies. */
export function listedTargets(list: readonly Eligibility[]): EligibleTargets {
  return { count: list.length, slice: (start, end) => list.slice(start, end) };
}
