// The organization's tree as the policy asks it: which OU an account sits under, its tags, its state.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { describeSelector, hasTag, isActive, orgTree, selects, type OrgAccount } from "../../src/domain/organization.js";
import {
  OLD_PROD,
  ORG,
  PAYMENTS_PROD,
  PROD_EU_OU,
  PROD_OU,
  ROOT,
  SANDBOX_A,
  SANDBOX_OU,
  SEARCH_PROD,
  WORKLOADS,
} from "../support/org-snapshot.js";

const tree = orgTree(ORG);
const account = (id: string): OrgAccount => tree.account(id) ?? assert.fail(`no account ${id}`);

describe("orgTree", () => {
  it("knows every OU an account sits in, from its own up to the root", () => {
    assert.deepEqual(tree.ancestry(account(SEARCH_PROD)), [PROD_EU_OU, PROD_OU, WORKLOADS, ROOT]);
    assert.ok(tree.isUnder(account(SEARCH_PROD), PROD_OU));
    assert.ok(tree.isUnder(account(SEARCH_PROD), ROOT));
    assert.ok(!tree.isUnder(account(PAYMENTS_PROD), PROD_EU_OU), "a parent OU is not under its child");
    assert.ok(!tree.isUnder(account(SANDBOX_A), WORKLOADS));
  });

  it("finds units by their exact path and names the path an account sits at", () => {
    assert.deepEqual(
      tree.unitsAtPath("/Root/Workloads/Prod").map((u) => u.id),
      [PROD_OU],
    );
    assert.deepEqual(tree.unitsAtPath("/root/workloads/prod"), []);
    assert.equal(tree.pathOf(account(SEARCH_PROD)), "/Root/Workloads/Prod/EU");
  });

  it("stops at a cycle in a malformed snapshot instead of looping", () => {
    const looped = orgTree({
      ...ORG,
      units: [
        { id: "ou-ab12-aaaaaaaa", name: "A", path: "/A", parentId: "ou-ab12-bbbbbbbb" },
        { id: "ou-ab12-bbbbbbbb", name: "B", path: "/B", parentId: "ou-ab12-aaaaaaaa" },
      ],
    });
    const inA = { ...account(PAYMENTS_PROD), parentId: "ou-ab12-aaaaaaaa" };
    assert.ok(!looped.isUnder(inA, ROOT));
    assert.ok(looped.isUnder(inA, "ou-ab12-bbbbbbbb"));
  });
});

describe("selectors", () => {
  it("match tags exactly, or any value of a key", () => {
    assert.ok(hasTag(account(SANDBOX_A), "env", "Prod"));
    assert.ok(!hasTag(account(SANDBOX_A), "env", "prod"));
    assert.ok(hasTag(account(SANDBOX_A), "owner", null));
    assert.ok(!hasTag(account(SEARCH_PROD), "constructor", null), "only the account's own keys");
  });

  it("match OUs by id or path, including what sits below", () => {
    assert.ok(selects(tree, { kind: "ou-path", path: "/Root/Workloads" }, account(SEARCH_PROD)));
    assert.ok(!selects(tree, { kind: "ou-id", id: SANDBOX_OU }, account(SEARCH_PROD)));
    assert.ok(!selects(tree, { kind: "ou-path", path: "/Root/Gone" }, account(SEARCH_PROD)));
  });

  it("are written back as the policy file spells them", () => {
    assert.deepEqual(
      [
        { kind: "ou-id", id: PROD_OU } as const,
        { kind: "ou-path", path: "/Root/Workloads" } as const,
        { kind: "tag", key: "env", value: "prod" } as const,
        { kind: "tag", key: "team", value: null } as const,
      ].map(describeSelector),
      [`ou:${PROD_OU}`, "ou:/Root/Workloads", "tag:env=prod", "tag:team"],
    );
  });

  it("count only ACTIVE accounts as active", () => {
    assert.deepEqual([isActive(account(PAYMENTS_PROD)), isActive(account(OLD_PROD))], [true, false]);
  });
});
