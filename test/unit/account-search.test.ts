// Finding accounts by what is typed: id, name, OU id (the OU and below), OU path or part of it, tag
// key=value or value; exact id or name matches first, then exact OU or tag, then prefix, then contains.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { searchAccounts } from "../../src/domain/account-search.js";
import type { Account } from "../../src/domain/policy.js";
import { accountSearchOption } from "../../src/slack/views/account-search-option.js";

const ROOT = "r-ab12";
const WORKLOADS = "ou-ab12-workload";
const PROD = "ou-ab12-prod0001";
const EU = "ou-ab12-prodeu01";

const place = (path: string, unitIds: string[], tags: Record<string, string> = {}) => ({ path, unitIds, tags });
const ACCOUNTS: readonly Account[] = [
  {
    id: "111111111111",
    name: "payments-prod",
    org: place("/Root/Workloads/Prod", [PROD, WORKLOADS, ROOT], { env: "prod", team: "payments" }),
  },
  { id: "222222222222", name: "search-prod", org: place("/Root/Workloads/Prod/EU", [EU, PROD, WORKLOADS, ROOT], { env: "Prod" }) },
  { id: "333333333333", name: "staging", org: place("/Root/Workloads/Staging", ["ou-ab12-stag0001", WORKLOADS, ROOT], { env: "staging" }) },
  { id: "444444444444", name: "prod", org: place("/Root/Sandbox", ["ou-ab12-sandbox1", ROOT]) },
  { id: "555555555555", name: "legacy-prodlike" },
];

const ids = (typed: string, limit = 100) => searchAccounts(ACCOUNTS, typed, limit).map((a) => a.id.slice(0, 1));

describe("searching accounts", () => {
  it("finds accounts by OU id, the OU's and those below it", () => {
    assert.deepEqual(ids(PROD), ["1", "2"]);
    assert.deepEqual(ids(EU), ["2"]);
    assert.deepEqual(ids(ROOT), ["1", "2", "3", "4"], "not the account only the file lists");
  });

  it("finds accounts by OU path or part of it, case aside", () => {
    assert.deepEqual(ids("workloads/prod"), ["1", "2"]);
    assert.deepEqual(ids("/root/workloads/prod/eu"), ["2"]);
    assert.deepEqual(ids("sandbox"), ["4"]);
  });

  it("finds accounts by tag, key=value or the value alone", () => {
    assert.deepEqual(ids("env=prod"), ["1", "2"], "tag values compare case-insensitively here");
    assert.deepEqual(ids("team=payments"), ["1"]);
    assert.deepEqual(ids("staging"), ["3"]);
  });

  it("puts exact id or name matches first, then exact OU or tag, then prefix, then contains, in list order within each", () => {
    // "prod": the account named prod; the tag value prod (1, 2); nothing starts with it otherwise
    // but OU paths and names hold it (5: legacy-prodlike).
    assert.deepEqual(ids("prod"), ["4", "1", "2", "5"]);
    assert.deepEqual(ids("222222222222"), ["2"]);
    assert.deepEqual(ids("pay"), ["1"]);
    assert.deepEqual(ids("PROD".toLowerCase(), 2), ["4", "1"], "at most the limit");
    assert.deepEqual(ids(""), ["1", "2", "3", "4", "5"], "nothing typed: all, in order");
    assert.deepEqual(ids("nothing-like-it"), []);
  });

  it("describes a picker option with the account's OU path, keeping the end of a long one", () => {
    const [first] = ACCOUNTS;
    assert.ok(first);
    assert.equal(accountSearchOption(first).description?.text, "/Root/Workloads/Prod");
    const deep = `/Root/${"Deep/".repeat(20)}Leaf`;
    const option = accountSearchOption({ ...first, org: place(deep, [ROOT]) });
    assert.equal(option.description?.text.length, 75);
    assert.ok(option.description?.text.startsWith("…") && option.description.text.endsWith("/Deep/Leaf"));
    assert.equal(accountSearchOption({ id: "555555555555", name: "legacy" }).description, undefined);
  });
});
