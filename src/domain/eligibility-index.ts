// Who may request what, precomputed once per policy and once per kind of requester, with the same
// answers as eligibleTargets and ruleFor (policy.ts). eligibleTargets tries every account × permission
// set × rule: 5,000 accounts and 300 permission sets are 1.5 million tries per keystroke of a
// type-ahead picker or per form shown. Here accounts the same rules cover share one answer, and
// people the same rules list share one list of accounts, so a keystroke reads a list.
import type { Person } from "./people.js";
import { mayRequest, type Account, type Eligibility, type Policy, type Rule } from "./policy.js";

/** Kinds of requester remembered per policy (each is a list of accounts); the least recent goes first. */
const CLASSES_PER_POLICY = 32;

/** What the same rules decide, for every account they alone cover: by permission set, the deciding rules. */
type Deciding = readonly (readonly number[])[];

/** What one kind of requester may request on accounts of one cover: permission sets and their rules, by index. */
interface Choices {
  readonly sets: readonly number[];
  readonly rules: readonly number[];
}

/** People whom exactly the same rules list: what they may request. */
interface RequesterClass {
  readonly allowed: ReadonlySet<number>;
  readonly choices: Map<string, Choices>;
  accounts?: readonly Account[];
  anySets?: readonly string[];
  targetCount?: number;
}

interface PolicyIndex {
  readonly policy: Policy;
  readonly ranks: readonly number[];
  readonly ruleSets: readonly ReadonlySet<string>[];
  /** Account id → the indexes of the rules covering it, ascending. */
  readonly covering: ReadonlyMap<string, readonly number[]>;
  /** Per account of policy.accounts, the key of its covering rules ("" for none). */
  readonly coverKeys: readonly string[];
  readonly deciding: Map<string, Deciding>;
  readonly classes: Map<string, RequesterClass>;
}

const NO_CHOICES: Choices = { sets: [], rules: [] };
const indexes = new WeakMap<Policy, PolicyIndex>();

function indexOf(policy: Policy): PolicyIndex {
  const known = indexes.get(policy);
  if (known) return known;
  const covering = new Map<string, number[]>();
  policy.rules.forEach((rule, r) => {
    for (const id of new Set(rule.accountIds)) {
      const list = covering.get(id);
      if (list) list.push(r);
      else covering.set(id, [r]);
    }
  });
  const index: PolicyIndex = {
    policy,
    ranks: policy.rules.map((rule) => rule.specificity.account * 2 + rule.specificity.permissionSet),
    ruleSets: policy.rules.map((rule) => new Set(rule.permissionSets)),
    covering,
    coverKeys: policy.accounts.map((account) => covering.get(account.id)?.join(",") ?? ""),
    deciding: new Map(),
    classes: new Map(),
  };
  indexes.set(policy, index);
  return index;
}

/** decidingRules (policy.ts) for each permission set, for an account these rules cover. */
function decidingFor(index: PolicyIndex, coverKey: string, rules: readonly number[]): Deciding {
  const known = index.deciding.get(coverKey);
  if (known) return known;
  const deciding = index.policy.permissionSets.map((set) => {
    const covering = rules.filter((r) => index.ruleSets[r]?.has(set));
    const best = Math.max(-1, ...covering.map((r) => index.ranks[r] ?? -1));
    return covering.filter((r) => index.ranks[r] === best);
  });
  index.deciding.set(coverKey, deciding);
  return deciding;
}

function classOf(index: PolicyIndex, person: Person): RequesterClass {
  const allowed = index.policy.rules.flatMap((rule, r) => (mayRequest(rule, person) ? [r] : []));
  const key = allowed.join(",");
  const known = index.classes.get(key);
  if (known) {
    // Least recently used first: a hit moves to the end.
    index.classes.delete(key);
    index.classes.set(key, known);
    return known;
  }
  const created: RequesterClass = { allowed: new Set(allowed), choices: new Map() };
  index.classes.set(key, created);
  if (index.classes.size > CLASSES_PER_POLICY) {
    const oldest = index.classes.keys().next().value;
    if (oldest !== undefined) index.classes.delete(oldest);
  }
  return created;
}

function choicesFor(index: PolicyIndex, cls: RequesterClass, coverKey: string): Choices {
  if (coverKey === "") return NO_CHOICES;
  const known = cls.choices.get(coverKey);
  if (known) return known;
  const rules = coverKey.split(",").map(Number);
  let choices = NO_CHOICES;
  if (rules.some((r) => cls.allowed.has(r))) {
    const sets: number[] = [];
    const chosen: number[] = [];
    decidingFor(index, coverKey, rules).forEach((deciding, s) => {
      const rule = deciding.find((r) => cls.allowed.has(r));
      if (rule === undefined) return;
      sets.push(s);
      chosen.push(rule);
    });
    choices = { sets, rules: chosen };
  }
  cls.choices.set(coverKey, choices);
  return choices;
}

function coverKeyOf(index: PolicyIndex, accountId: string): string {
  return index.covering.get(accountId)?.join(",") ?? "";
}

function accountsOf(index: PolicyIndex, cls: RequesterClass): readonly Account[] {
  if (!cls.accounts) {
    cls.accounts = index.policy.accounts.filter((_, a) => choicesFor(index, cls, index.coverKeys[a] ?? "").sets.length > 0);
  }
  return cls.accounts;
}

function targetsOf(index: PolicyIndex, account: Account, choices: Choices): Eligibility[] {
  const { permissionSets, rules } = index.policy;
  return choices.sets.map((s, i) => ({
    account,
    permissionSet: permissionSets[s] as string,
    rule: rules[choices.rules[i] as number] as Rule,
  }));
}

/**
 * The rule this person would request the pair under (ruleFor without the refusal: undefined when
 * ruleFor would refuse), for any account id and permission set, in the policy or not.
 */
export function eligibleRule(policy: Policy, person: Person, accountId: string, permissionSet: string): Rule | undefined {
  const index = indexOf(policy);
  let best = -1;
  let chosen: Rule | undefined;
  for (const r of index.covering.get(accountId) ?? []) {
    const rank = index.ranks[r] ?? -1;
    if (!index.ruleSets[r]?.has(permissionSet) || rank < best) continue;
    if (rank > best) {
      best = rank;
      chosen = undefined;
    }
    const rule = policy.rules[r];
    if (chosen === undefined && rule && mayRequest(rule, person)) chosen = rule;
  }
  return chosen;
}

/**
 * The accounts of the policy on which this person may request at least one permission set, in the
 * policy's order: eligibleTargets' accounts, each once. The same array for everyone whom the same
 * rules list, while the policy holds (callers must not change it); its length is how many there are.
 */
export function eligibleAccounts(policy: Policy, person: Person): readonly Account[] {
  const index = indexOf(policy);
  return accountsOf(index, classOf(index, person));
}

/** Whether this person may request at least one permission set on the account. */
export function mayRequestOn(policy: Policy, person: Person, account: Account): boolean {
  const index = indexOf(policy);
  return choicesFor(index, classOf(index, person), coverKeyOf(index, account.id)).sets.length > 0;
}

/**
 * The permission sets this person may request on the account, or on any account of the policy when
 * it is undefined, in the policy's order (eligibleTargets' permission sets for it, each once).
 */
export function eligiblePermissionSets(policy: Policy, person: Person, accountId: string | undefined): readonly string[] {
  const index = indexOf(policy);
  const cls = classOf(index, person);
  const names = index.policy.permissionSets;
  if (accountId !== undefined) return choicesFor(index, cls, coverKeyOf(index, accountId)).sets.map((s) => names[s] as string);
  if (!cls.anySets) {
    const any = new Set<number>();
    for (const key of new Set(index.coverKeys)) for (const s of choicesFor(index, cls, key).sets) any.add(s);
    cls.anySets = names.filter((_, s) => any.has(s));
  }
  return cls.anySets;
}

/**
 * What this person may request on one account, as eligibleTargets lists it for that account
 * (its permission sets in the policy's order, each with its rule); none for an account the policy
 * does not offer.
 */
export function eligibleTargetsOn(policy: Policy, person: Person, accountId: string): Eligibility[] {
  const index = indexOf(policy);
  const cls = classOf(index, person);
  return index.policy.accounts.flatMap((account, a) =>
    account.id === accountId ? targetsOf(index, account, choicesFor(index, cls, index.coverKeys[a] ?? "")) : [],
  );
}

/** How many (account, permission set) pairs this person may request: eligibleTargets(…).length, without listing them. */
export function eligibleTargetCount(policy: Policy, person: Person): number {
  const index = indexOf(policy);
  const cls = classOf(index, person);
  cls.targetCount ??= index.policy.accounts.reduce((sum, _, a) => sum + choicesFor(index, cls, index.coverKeys[a] ?? "").sets.length, 0);
  return cls.targetCount;
}

/**
 * eligibleTargets(policy, person), the same list in the same order, when it has at most `limit`
 * entries; undefined when it has more (then ask eligibleAccounts and eligibleTargetsOn instead of
 * building a list of up to accounts × permission sets).
 */
export function eligibleTargetsUpTo(policy: Policy, person: Person, limit: number): Eligibility[] | undefined {
  if (eligibleTargetCount(policy, person) > limit) return undefined;
  const index = indexOf(policy);
  const cls = classOf(index, person);
  return index.policy.accounts.flatMap((account, a) => targetsOf(index, account, choicesFor(index, cls, index.coverKeys[a] ?? "")));
}
