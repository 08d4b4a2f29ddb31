// `jit-admin org refresh` as operators run it, against the fake Organizations: what each rule of a
// policy with organization.accounts: aws covers now, its warnings, and exit 1 when the policy does
// not resolve against the organization or AWS Organizations cannot be read.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { jitAdmin } from "../support/jit-admin.js";
import { workloadsPolicy } from "../support/org-policy.js";
import { DEFAULT_POLICY, startWorld, type World } from "../support/world.js";
import { withWorldStore } from "../support/world-store.js";

const POLICY = workloadsPolicy("  refreshMinutes: 15\n  exclude: [legacy]", "[ReadOnlyAccess]");

describe("jit-admin org refresh", () => {
  let world: World;
  const run = (...args: string[]) => jitAdmin(["org", "refresh", ...args], world.env(), world.dir);

  before(async () => {
    world = await startWorld(POLICY, {
      prepare: (w) => {
        const workloads = w.aws.addOrgUnit("Workloads");
        const prod = w.aws.addOrgUnit("Prod", workloads);
        w.aws.addOrgAccount({ id: "220000000001", name: "shop-prod", parentId: prod, tags: { env: "prod" } });
        w.aws.addOrgAccount({ id: "220000000002", name: "search", parentId: workloads });
        w.aws.addOrgAccount({ id: "220000000003", name: "closed-one", parentId: workloads, state: "CLOSED" });
      },
    });
    // The database the bot would have made: jit-admin refuses to create one.
    await withWorldStore(world, async () => undefined);
  });
  after(() => world.close());

  it("prints the accounts each rule covers now, with their OU, and how often the bot reads again", async () => {
    const ran = await run();

    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /Read the organization at .*: 4 accounts, 3 active, 3 offered by /);
    assert.match(ran.stdout, /warning: organization\.exclude\[0\]: "legacy" matches no account of the organization/);
    assert.match(ran.stdout, /rule workloads covers 2 accounts:/);
    assert.match(ran.stdout, /shop-prod \(220000000001\) · \/Root\/Workloads\/Prod/);
    assert.match(ran.stdout, /search \(220000000002\) · \/Root\/Workloads/);
    assert.doesNotMatch(ran.stdout, /closed-one/);
    assert.match(ran.stdout, /every 15 minutes/);
    assert.match(ran.stdout, /Stored in the database: running bots take it up at their next refresh check \(each minute\)/);
    const stored = await withWorldStore(world, (opened) => opened.organizationSnapshots.latest());
    assert.match(stored?.readBy ?? "", /^jit-admin:/);
    assert.equal((JSON.parse(stored?.snapshot ?? "{}") as { accounts: unknown[] }).accounts.length, 4);
  });

  it("prints the same as JSON", async () => {
    const ran = await run("--json");

    assert.equal(ran.code, 0, ran.stderr);
    const json = JSON.parse(ran.stdout) as { ok: boolean; accounts: unknown; coverage: { rule: string; accounts: { id: string }[] }[] };
    assert.equal(json.ok, true);
    assert.deepEqual(json.accounts, { inOrganization: 4, active: 3, offered: 3 });
    assert.deepEqual(
      json.coverage.map((c) => [c.rule, c.accounts.map((a) => a.id).sort()]),
      [["workloads", ["220000000001", "220000000002"]]],
    );
  });

  it("exits 1 naming the key when the policy does not resolve against the organization", async () => {
    writeFileSync(world.policyFile, POLICY.replace("ou:/Root/Workloads", "ou:/Root/Gone"));
    try {
      const ran = await run();
      assert.equal(ran.code, 1);
      assert.match(ran.stderr, /does not resolve against the organization/);
      assert.match(ran.stderr, /rules\[0\]\.accounts\[0\]/);
    } finally {
      writeFileSync(world.policyFile, POLICY);
    }
  });

  it("says so when the policy lists its accounts itself", async () => {
    writeFileSync(world.policyFile, DEFAULT_POLICY);
    try {
      const ran = await run();
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stdout, /lists its accounts itself/);
    } finally {
      writeFileSync(world.policyFile, POLICY);
    }
  });

  it("exits 1 when AWS Organizations cannot be read", async () => {
    world.aws.denyOrganizationsAction("ListOrganizationalUnitsForParent");
    const ran = await run();
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /AWS Organizations could not be read: .*ListOrganizationalUnitsForParent/);
  });
});
