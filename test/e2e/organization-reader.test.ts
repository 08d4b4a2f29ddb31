// The organization reader against the fake AWS Organizations, through the real SDK client: the OU
// tree with its paths, every account with its state and OU across pages, tags only when asked,
// throttling retried, failures named after the call, and a 5,000-account organization counted.
import { beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readOrganization, type OrganizationReadOptions } from "../../src/aws/organization-reader.js";
import { ProviderError } from "../../src/domain/errors.js";
import type { OrgSnapshot } from "../../src/domain/organization.js";
import { DEFAULT_MANAGEMENT_ACCOUNT, type FakeAws } from "../../src/simulators/fake-aws.js";
import { useFakeOrganizations } from "../support/fake-organizations.js";

const aws = useFakeOrganizations();

function read(options: Partial<OrganizationReadOptions> = {}): Promise<OrgSnapshot> {
  return readOrganization(aws.organizations, { callsPerSecond: 200, retries: 4, withTags: false, ...options } as OrganizationReadOptions);
}

async function refusal(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => assert.fail("expected the read to fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
  return error;
}

const count = (operation: string) => aws.fake.callsOf(operation).length;
const account = (snapshot: OrgSnapshot, id: string) => snapshot.accounts.find((a) => a.id === id);

describe("readOrganization", () => {
  let fake: FakeAws;
  beforeEach(() => {
    fake = aws.fake;
  });

  it("reads nested OUs with their paths and parents, and each account in its own OU", async () => {
    const workloads = fake.addOrgUnit("Workloads");
    const prod = fake.addOrgUnit("Prod", workloads);
    const staging = fake.addOrgUnit("Staging", workloads);
    const security = fake.addOrgUnit("Security");
    const shop = fake.addOrgAccount({ id: "111100000001", name: "shop-prod", parentId: prod });
    fake.addOrgAccount({ id: "111100000002", name: "shop-staging", parentId: staging });
    fake.addOrgAccount({ id: "111100000003", name: "audit", parentId: security });
    fake.addOrgAccount({ id: "111100000004", name: "platform", parentId: workloads });

    const snapshot = await read({ clock: { now: () => 1_234 } });

    assert.equal(snapshot.rootId, fake.rootId);
    assert.equal(snapshot.readAt, 1_234);
    assert.deepEqual(
      snapshot.units.map((u) => [u.path, u.id, u.parentId]),
      [
        ["/Root", fake.rootId, null],
        ["/Root/Security", security, fake.rootId],
        ["/Root/Workloads", workloads, fake.rootId],
        ["/Root/Workloads/Prod", prod, workloads],
        ["/Root/Workloads/Staging", staging, workloads],
      ],
    );
    assert.deepEqual(
      snapshot.accounts.map((a) => [a.id, a.name, a.parentId, a.state]),
      [
        ["111100000001", "shop-prod", prod, "ACTIVE"],
        ["111100000002", "shop-staging", staging, "ACTIVE"],
        ["111100000003", "audit", security, "ACTIVE"],
        ["111100000004", "platform", workloads, "ACTIVE"],
        [DEFAULT_MANAGEMENT_ACCOUNT, "Management", fake.rootId, "ACTIVE"],
      ],
    );
    assert.deepEqual(account(snapshot, shop)?.tags, {});
  });

  it("follows every page: more accounts and more OUs under one parent than a page holds", async () => {
    const big = fake.addOrgUnit("Big");
    for (let i = 0; i < 45; i += 1) fake.addOrgAccount({ id: String(300_000_000_000 + i), name: `big-${i}`, parentId: big });
    for (let i = 0; i < 25; i += 1) fake.addOrgUnit(`Team ${i}`, big);

    const snapshot = await read();

    assert.equal(snapshot.accounts.filter((a) => a.parentId === big).length, 45);
    assert.equal(snapshot.units.filter((u) => u.parentId === big).length, 25);
    const pagesOf = (operation: string, parentId: string) => fake.callsOf(operation).filter((c) => c.input.ParentId === parentId).length;
    assert.equal(pagesOf("ListAccountsForParent", big), 3);
    assert.equal(pagesOf("ListOrganizationalUnitsForParent", big), 2);
  });

  it("keeps suspended, closing and closed accounts, each with its state", async () => {
    fake.addOrgAccount({ id: "111100000011", name: "gone", state: "CLOSED" });
    fake.addOrgAccount({ id: "111100000012", name: "closing", state: "PENDING_CLOSURE" });
    const suspended = fake.addOrgAccount({ id: "111100000013", name: "paused" });
    fake.setOrgAccountState(suspended, "SUSPENDED");

    const snapshot = await read();

    assert.equal(account(snapshot, "111100000011")?.state, "CLOSED");
    assert.equal(account(snapshot, "111100000012")?.state, "PENDING_CLOSURE");
    assert.equal(account(snapshot, suspended)?.state, "SUSPENDED");
  });

  it("reads tags only when asked, one ListTagsForResource per account", async () => {
    const prod = fake.addOrgUnit("Prod");
    const shop = fake.addOrgAccount({ id: "111100000021", name: "shop", parentId: prod, tags: { env: "prod", team: "shop" } });
    fake.tagOrgAccount(shop, { "cost-center": "" });

    const without = await read();
    assert.equal(count("ListTagsForResource"), 0);
    assert.deepEqual(account(without, shop)?.tags, {});

    const withTags = await read({ withTags: true });
    assert.deepEqual(account(withTags, shop)?.tags, { env: "prod", team: "shop", "cost-center": "" });
    assert.equal(count("ListTagsForResource"), withTags.accounts.length);
  });

  it("sees an account in its new OU at the next read after a move", async () => {
    const prod = fake.addOrgUnit("Prod");
    const sandbox = fake.addOrgUnit("Sandbox");
    const shop = fake.addOrgAccount({ id: "111100000031", name: "shop", parentId: prod });
    assert.equal(account(await read(), shop)?.parentId, prod);
    fake.moveOrgAccount(shop, sandbox);
    assert.equal(account(await read(), shop)?.parentId, sandbox);
  });

  it("retries throttling (TooManyRequestsException) and still reads everything", async () => {
    const prod = fake.addOrgUnit("Prod");
    fake.addOrgAccount({ id: "111100000041", name: "shop", parentId: prod });
    fake.failNext("ListAccountsForParent", { code: "TooManyRequestsException", message: "Rate exceeded" }, 2);
    fake.failNext("ListOrganizationalUnitsForParent", { code: "TooManyRequestsException", message: "Rate exceeded" }, 1);

    const snapshot = await read();

    assert.equal(snapshot.accounts.length, 2);
    assert.equal(snapshot.units.length, 2);
    assert.equal(fake.calls.filter((c) => c.error === "TooManyRequestsException").length, 3);
  });

  it("retries calls the fake's own rate limit throttles", async () => {
    fake.generateOrganization({ accounts: 60, fanout: [3, 2] });
    fake.setRateLimit(20);
    const snapshot = await read({ callsPerSecond: 100, retries: 10 });
    assert.ok(fake.throttledCount > 0, "the fake should have throttled some calls");
    assert.equal(snapshot.accounts.length, 61);
    assert.equal(snapshot.units.length, 10);
  });

  it("fails with a ProviderError naming the call once throttling outlasts its retries", async () => {
    fake.failNext("ListAccountsForParent", { code: "TooManyRequestsException", message: "Rate exceeded" }, 10);
    const error = await refusal(read({ retries: 3 }));
    assert.equal(error.code, "TooManyRequestsException");
    assert.equal(error.retryable, true);
    assert.match(error.message, new RegExp(`^Organizations ListAccountsForParent ${fake.rootId} failed: TooManyRequestsException`));
  });

  it("fails at once on a refusal, names it, and stops making the calls still queued", async () => {
    fake.generateOrganization({ accounts: 60, fanout: [2] });
    fake.denyOrganizationsAction("ListTagsForResource");
    const error = await refusal(read({ withTags: true, callsPerSecond: 50 }));
    assert.equal(error.code, "AccessDeniedException");
    assert.equal(error.retryable, false);
    assert.match(error.message, /^Organizations ListTagsForResource \d{12} failed: AccessDeniedException/);
    assert.ok(count("ListTagsForResource") < 61, `made ${count("ListTagsForResource")} tag calls after the refusal`);
  });

  it("reads a 5,000-account organization in nested OUs with about accounts / 20 + 2 × OUs calls", async () => {
    const generated = fake.generateOrganization({ accounts: 5_000 });
    const started = performance.now();
    const snapshot = await read({ callsPerSecond: 2_000 });
    // Every 100th account suspended and every 250th closed (generateOrganization): 60 not active.
    const ms = performance.now() - started;

    assert.equal(snapshot.accounts.length, 5_001);
    assert.equal(snapshot.units.length, generated.unitIds.length + 1);
    assert.equal(snapshot.accounts.filter((a) => a.state === "ACTIVE").length, 5_001 - 60);
    const deepest = snapshot.units.filter((u) => u.path.split("/").length === 5);
    assert.equal(deepest.length, 100);
    const calls = fake.calls.length;
    const bound = Math.ceil(5_000 / 20) + 2 * snapshot.units.length + 1;
    assert.ok(calls <= bound, `${calls} calls, more than ${bound}`);
    console.log(
      `5,000 accounts, ${snapshot.units.length} units: ${calls} calls in ${Math.round(ms)} ms (${count("ListAccountsForParent")} ListAccountsForParent, ${count("ListOrganizationalUnitsForParent")} ListOrganizationalUnitsForParent)`,
    );

    fake.calls.length = 0;
    const tagStarted = performance.now();
    const tagged = await read({ callsPerSecond: 2_000, withTags: true });
    const tagMs = performance.now() - tagStarted;
    assert.equal(count("ListTagsForResource"), 5_001);
    assert.deepEqual(account(tagged, "200000000004")?.tags, { env: "staging", team: "team-4" });
    console.log(`5,000 accounts with tags: ${fake.calls.length} calls in ${Math.round(tagMs)} ms`);
  });
});
