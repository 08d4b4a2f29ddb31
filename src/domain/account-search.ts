// Finding accounts by what someone types: the account's id or name, the id of an OU it sits in
// (or below), its OU's path or part of it, or a tag (key=value, or the value alone). Matching is
// case-insensitive; keys are lowercased once per account, so a keystroke is one scan of strings.
import type { Account } from "./policy.js";

interface SearchKeys {
  /** The id and the name. */
  readonly own: readonly string[];
  /** OU ids, the OU path, tags as key=value and their values. */
  readonly place: readonly string[];
  /** Every key on one line, to rule most accounts out with one `includes`. */
  readonly all: string;
}

const keysOfAccount = new WeakMap<Account, SearchKeys>();
const keysOfList = new WeakMap<readonly Account[], readonly SearchKeys[]>();

function keysOf(account: Account): SearchKeys {
  let keys = keysOfAccount.get(account);
  if (!keys) {
    const own = [account.id, account.name.toLowerCase()];
    const org = account.org;
    const tags = org ? Object.entries(org.tags).flatMap(([key, value]) => [`${key}=${value}`, value]) : [];
    const place = org ? [...org.unitIds, org.path, ...tags].map((key) => key.toLowerCase()).filter((key) => key !== "") : [];
    keys = { own, place, all: [...own, ...place].join("\n") };
    keysOfAccount.set(account, keys);
  }
  return keys;
}

/** 0: the id or name is what was typed; 1: an OU id, path or tag is; 2: a key starts with it; 3: one holds it. */
function tier(keys: SearchKeys, typed: string): number {
  if (keys.own.includes(typed)) return 0;
  if (keys.place.includes(typed)) return 1;
  const every = [...keys.own, ...keys.place];
  if (every.some((key) => key.startsWith(typed))) return 2;
  return every.some((key) => key.includes(typed)) ? 3 : -1;
}

/**
 * At most `limit` of `accounts` matching `typed` (already trimmed and lowercased; "" matches all),
 * exact matches of id or name first, then exact OU or tag matches, then keys starting with it, then
 * keys holding it; in the order of `accounts` within each. Keys are remembered per list, so pass the
 * same array (eligibleAccounts gives one) keystroke after keystroke.
 */
export function searchAccounts(accounts: readonly Account[], typed: string, limit: number): Account[] {
  if (typed === "") return accounts.slice(0, limit);
  let keys = keysOfList.get(accounts);
  if (!keys) {
    keys = accounts.map(keysOf);
    keysOfList.set(accounts, keys);
  }
  const tiers: Account[][] = [[], [], [], []];
  for (let i = 0; i < accounts.length; i++) {
    const own = keys[i] as SearchKeys;
    if (!own.all.includes(typed)) continue;
    const t = tier(own, typed);
    if (t >= 0) tiers[t]?.push(accounts[i] as Account);
    if (tiers[0]?.length === limit) break;
  }
  return tiers.flat().slice(0, limit);
}
