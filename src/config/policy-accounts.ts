// The accounts a policy offers, and the ids each rule's `accounts` entry stands for: from the file
// alone, or from the organization as read (organization.accounts: aws) with the file's overrides.
import type { Account, AccountPlace } from "../domain/policy.js";
import { describeSelector, isActive, selects, type OrgAccount, type OrgSelector, type OrgTree } from "../domain/organization.js";
import type { AccountRef } from "./account-refs.js";
import type { PolicyFile } from "./policy-schema.js";

export type Report = (path: PropertyKey[], message: string) => void;

interface Offered {
  readonly id: string;
  readonly name: string;
  /** Null for an account only the file lists. */
  readonly org: OrgAccount | null;
}

/** What a reference stands for: the ids, and (resolved without the organization) whether it may stand for more. */
export interface Expansion {
  readonly ids: readonly string[];
  readonly unexpanded: boolean;
}

const NONE: Expansion = { ids: [], unexpanded: false };
const UNEXPANDED: Expansion = { ids: [], unexpanded: true };
const only = (ids: readonly string[]): Expansion => ({ ids, unexpanded: false });

export interface AccountUniverse {
  readonly accounts: readonly Account[];
  /** The ids an entry of a rule's (or a group's) list stands for; a problem is reported, not thrown. */
  expand(ref: AccountRef, path: PropertyKey[]): Expansion;
}

/** How the accounts were found: from the file alone, from the organization, or (policy:check) without the organization it needs. */
export type OrgContext = { readonly kind: "file" } | { readonly kind: "org"; readonly tree: OrgTree } | { readonly kind: "unread" };

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function offeredAccounts(file: PolicyFile, context: OrgContext, warn: Report): Offered[] {
  const fromFile = file.accounts.map((a) => ({ id: a.id, name: a.name, org: null }));
  const excluded = (id: string, ...names: string[]) =>
    file.organization.exclude.some((entry) => entry === id || names.some((name) => sameName(entry, name)));
  if (context.kind === "file") return fromFile;
  if (context.kind === "unread") return fromFile.filter((a) => !excluded(a.id, a.name));
  const { tree } = context;
  const named = new Map(file.accounts.map((a) => [a.id, a.name]));
  const offered: Offered[] = [];
  for (const org of tree.snapshot.accounts) {
    const name = named.get(org.id) ?? org.name;
    if (isActive(org) && !excluded(org.id, org.name, name)) offered.push({ id: org.id, name, org });
  }
  file.accounts.forEach((a, i) => {
    const org = tree.account(a.id);
    if (org && !isActive(org)) warn(["accounts", i], `${a.id} is ${org.state} in the organization, so it is not offered`);
    if (org || excluded(a.id, a.name)) return;
    warn(["accounts", i], `${a.id} is not in the organization as read; it is offered as the file lists it`);
    offered.push({ id: a.id, name: a.name, org: null });
  });
  file.organization.exclude.forEach((entry, i) => {
    const matches = (a: OrgAccount) => entry === a.id || sameName(entry, a.name) || sameName(entry, named.get(a.id) ?? a.name);
    if (!tree.snapshot.accounts.some(matches)) warn(["organization", "exclude", i], `"${entry}" matches no account of the organization`);
  });
  return offered;
}

/** Why an account the organization has is not offered, if it is one (named by id or by its Organizations name). */
function notOffered(context: OrgContext, offered: readonly Offered[], ref: string): string | undefined {
  if (context.kind !== "org") return undefined;
  const known = context.tree.snapshot.accounts.filter((a) => a.id === ref || sameName(a.name, ref));
  const hidden = known.filter((a) => !offered.some((o) => o.id === a.id));
  if (known.length === 0 || hidden.length < known.length) return undefined;
  return hidden.map((a) => `${a.id} is ${isActive(a) ? "excluded by organization.exclude" : `${a.state} in the organization`}`).join("; ");
}

function unitProblem(tree: OrgTree, selector: OrgSelector): string | undefined {
  if (selector.kind === "ou-id") return tree.unit(selector.id) ? undefined : "names no OU (or root) of the organization";
  if (selector.kind !== "ou-path") return undefined;
  const units = tree.unitsAtPath(selector.path);
  if (units.length > 1) return `matches ${units.length} OUs (${units.map((u) => u.id).join(", ")}); name one by its id`;
  if (units.length === 1) return undefined;
  const lower = selector.path.toLowerCase();
  const near = tree.snapshot.units.find((u) => u.path.toLowerCase() === lower);
  const hint = near ? ` (paths match exactly, case included: the organization has ${near.path})` : "";
  return `names no OU of the organization${hint}`;
}

function placeOf(tree: OrgTree, account: OrgAccount): AccountPlace {
  return { path: tree.pathOf(account), unitIds: tree.ancestry(account), tags: account.tags };
}

export function accountUniverse(file: PolicyFile, context: OrgContext, report: Report, warn: Report): AccountUniverse {
  const offered = offeredAccounts(file, context, warn);
  const byId = new Map(offered.map((a) => [a.id, a]));
  const whereListed = context.kind === "file" ? "listed under accounts" : "of the organization or listed under accounts";

  function named(ref: string, path: PropertyKey[]): Expansion {
    const exact = byId.get(ref);
    if (exact) return only([exact.id]);
    const matches = offered.filter((a) => sameName(a.name, ref));
    if (matches.length > 1) {
      report(
        path,
        `"${ref}" names ${matches.length} accounts (${matches.map((a) => a.id).join(", ")}); name the one meant by its id, or give them distinct names under accounts`,
      );
      return NONE;
    }
    if (matches[0]) return only([matches[0].id]);
    if (context.kind === "unread") return UNEXPANDED;
    const hidden = notOffered(context, offered, ref);
    if (hidden) warn(path, `"${ref}" is not offered (${hidden}), so the rule does not cover it`);
    else report(path, `"${ref}" is not an account id or name ${whereListed}`);
    return NONE;
  }

  function selected(ref: AccountRef & { kind: "org" }, path: PropertyKey[]): Expansion {
    if (context.kind === "unread") return UNEXPANDED;
    // In file mode policy-file.ts has refused these already.
    if (context.kind === "file") return NONE;
    const problem = unitProblem(context.tree, ref.selector);
    if (problem) {
      report(path, `"${describeSelector(ref.selector)}" ${problem}`);
      return NONE;
    }
    const ids = offered.filter((a) => a.org && selects(context.tree, ref.selector, a.org)).map((a) => a.id);
    if (ids.length === 0) warn(path, `"${ref.text}" covers no account offered at present`);
    return only(ids);
  }

  const groups = new Map<string, Expansion>();
  for (const [group, members] of Object.entries(file.accountGroups)) {
    const expansions = members.map((member, i) => named(member, ["accountGroups", group, i]));
    groups.set(group, { ids: expansions.flatMap((e) => e.ids), unexpanded: expansions.some((e) => e.unexpanded) });
  }

  return {
    accounts: offered.map(({ id, name, org }) =>
      org && context.kind === "org" ? { id, name, org: placeOf(context.tree, org) } : { id, name },
    ),
    expand(ref, path) {
      switch (ref.kind) {
        case "all":
          return { ids: offered.map((a) => a.id), unexpanded: context.kind === "unread" };
        case "group":
          // An unknown group is reported with the file's other cross-references (policy-file.ts).
          return groups.get(ref.group) ?? NONE;
        case "org":
          return selected(ref, path);
        case "account":
          return named(ref.text, path);
      }
    },
  };
}
