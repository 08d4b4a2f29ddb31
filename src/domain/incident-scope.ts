// Which grants the incident switch ends: all of them, those on one account, those of one
// permission set, or (from the admin CLI) those of one permission set on one account.
import { InvalidInput, NotFound, quoted } from "./errors.js";
import type { Grant } from "./grant.js";
import { findAccount, findPermissionSet, type Account, type Policy } from "./policy.js";

export interface IncidentScope {
  readonly account?: Account;
  readonly permissionSet?: string;
}

/** A scope as asked for: typed after `/jit revoke --all`, named part by part (CLI flags), or by its scopeKey (a modal's metadata, unchecked). */
export type ScopeAsk =
  | { readonly kind: "typed"; readonly text: string }
  | { readonly kind: "named"; readonly account?: string; readonly permissionSet?: string }
  | { readonly kind: "key"; readonly key: unknown };

const ACCOUNT_PREFIX = "account:";
const SET_PREFIX = "set:";
/** How many known names an error lists before counting the rest. */
const LISTED = 20;

export function resolveScope(policy: Policy, ask: ScopeAsk): IncidentScope {
  if (ask.kind === "typed") return readTyped(policy, ask.text.trim());
  if (ask.kind === "key") return resolveScope(policy, namedByKey(ask.key));
  return {
    ...(ask.account !== undefined ? { account: knownAccount(policy, ask.account) } : {}),
    ...(ask.permissionSet !== undefined ? { permissionSet: knownPermissionSet(policy, ask.permissionSet) } : {}),
  };
}

/** Nothing: every grant. `account:<x>` and `set:<x>` say which one a name is; a bare name must be one or the other. */
function readTyped(policy: Policy, text: string): IncidentScope {
  if (text === "") return {};
  const lower = text.toLowerCase();
  if (lower.startsWith(ACCOUNT_PREFIX)) return { account: knownAccount(policy, text.slice(ACCOUNT_PREFIX.length)) };
  if (lower.startsWith(SET_PREFIX)) return { permissionSet: knownPermissionSet(policy, text.slice(SET_PREFIX.length)) };
  const account = findAccount(policy, text);
  const permissionSet = findPermissionSet(policy, text);
  if (account && permissionSet) {
    throw new InvalidInput(
      `${quoted(text)} names both the account ${account.name} (${account.id}) and the permission set ${permissionSet}. ` +
        `Say which: account:${text} or set:${text}.`,
    );
  }
  if (account) return { account };
  if (permissionSet) return { permissionSet };
  throw new NotFound(`No account or permission set is called ${quoted(text)}. ${knownAccounts(policy)} ${knownPermissionSets(policy)}`);
}

function knownAccount(policy: Policy, ref: string): Account {
  if (ref.trim() === "") throw new InvalidInput("Name the account after account:, e.g. account:prod.");
  const account = findAccount(policy, ref);
  if (!account) throw new NotFound(`No account is called ${quoted(ref.trim())}. ${knownAccounts(policy)}`);
  return account;
}

function knownPermissionSet(policy: Policy, ref: string): string {
  if (ref.trim() === "") throw new InvalidInput("Name the permission set after set:, e.g. set:ReadOnlyAccess.");
  const permissionSet = findPermissionSet(policy, ref);
  if (!permissionSet) throw new NotFound(`No permission set is called ${quoted(ref.trim())}. ${knownPermissionSets(policy)}`);
  return permissionSet;
}

function knownAccounts(policy: Policy): string {
  return `Accounts: ${listed(policy.accounts.map((account) => `${account.name} (${account.id})`))}.`;
}

function knownPermissionSets(policy: Policy): string {
  return `Permission sets: ${listed(policy.permissionSets)}.`;
}

function listed(names: readonly string[]): string {
  const more = names.length - LISTED;
  return more > 0 ? `${names.slice(0, LISTED).join(", ")} and ${more} more` : names.join(", ");
}

/** A grant is in scope when what it gives is: its own target, or for a group grant any of the group's assignments. */
export function inScope(scope: IncidentScope, grant: Grant): boolean {
  const targets = grant.groupId === null ? [grant] : grant.groupAccess;
  const matches = (target: { accountId: string; permissionSetName: string }) =>
    (scope.account === undefined || target.accountId === scope.account.id) &&
    (scope.permissionSet === undefined || target.permissionSetName === scope.permissionSet);
  return (scope.account === undefined && scope.permissionSet === undefined) || targets.some(matches);
}

/**
 * The scope by ids only ("all", "account:<id>", "set:<name>", or both), as the audit trail records it
 * and a modal carries it.
 */
export function scopeKey(scope: IncidentScope): string {
  const parts = [
    ...(scope.account ? [`${ACCOUNT_PREFIX}${scope.account.id}`] : []),
    ...(scope.permissionSet !== undefined ? [`${SET_PREFIX}${scope.permissionSet}`] : []),
  ];
  return parts.length > 0 ? parts.join(" ") : "all";
}

/** The parts a scopeKey names; anything else (a forged or stale payload) is NotFound. */
function namedByKey(key: unknown): ScopeAsk {
  const unknown = new NotFound("That does not belong to anything jit-slack knows.");
  if (typeof key !== "string" || key.length > 200) throw unknown;
  if (key === "all") return { kind: "named" };
  let account: string | undefined;
  let permissionSet: string | undefined;
  for (const part of key.split(" ")) {
    if (account === undefined && /^account:\d{12}$/.test(part)) account = part.slice(ACCOUNT_PREFIX.length);
    else if (permissionSet === undefined && part.startsWith(SET_PREFIX) && part.length > SET_PREFIX.length) {
      permissionSet = part.slice(SET_PREFIX.length);
    } else throw unknown;
  }
  return { kind: "named", ...(account !== undefined ? { account } : {}), ...(permissionSet !== undefined ? { permissionSet } : {}) };
}
