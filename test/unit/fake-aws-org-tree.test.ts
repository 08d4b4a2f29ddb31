// The fake AWS Organizations' tree speaks the real wire protocol through the real SDK client: OUs and
// accounts in pages of at most 20, account State and the older Status, tags, and AWS's errors.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  ListOrganizationalUnitsForParentCommand,
  ListTagsForResourceCommand,
  paginateListAccounts,
} from "@aws-sdk/client-organizations";
import { DEFAULT_MANAGEMENT_ACCOUNT } from "../../src/simulators/fake-aws.js";
import { useFakeOrganizations } from "../support/fake-organizations.js";

const aws = useFakeOrganizations();

async function failure(promise: Promise<unknown>): Promise<{ name: string; Reason?: string }> {
  const error = await promise.then(
    () => assert.fail("expected the call to fail"),
    (e: unknown) => e,
  );
  return error as { name: string; Reason?: string };
}

describe("fake AWS Organizations tree", () => {
  it("lists the management account in the root, and accounts and OUs where they were put", async () => {
    const { fake, organizations } = aws;
    const prod = fake.addOrgUnit("Prod");
    const shop = fake.addOrgAccount({ name: "shop", email: "shop@example.com", parentId: prod });
    const inRoot = await organizations.send(new ListAccountsForParentCommand({ ParentId: fake.rootId }));
    assert.deepEqual(
      inRoot.Accounts?.map((a) => a.Id),
      [DEFAULT_MANAGEMENT_ACCOUNT],
    );
    const inProd = await organizations.send(new ListAccountsForParentCommand({ ParentId: prod }));
    assert.deepEqual(
      inProd.Accounts?.map((a) => [a.Id, a.Name, a.Email, a.State, a.Status]),
      [[shop, "shop", "shop@example.com", "ACTIVE", "ACTIVE"]],
    );
    const units = await organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: fake.rootId }));
    assert.deepEqual(
      units.OrganizationalUnits?.map((u) => [u.Id, u.Name]),
      [[prod, "Prod"]],
    );
    const children = await organizations.send(new ListChildrenCommand({ ParentId: prod, ChildType: "ACCOUNT" }));
    assert.deepEqual(children.Children, [{ Id: shop, Type: "ACCOUNT" }]);
    const { OrganizationalUnit } = await organizations.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: prod }));
    assert.equal(OrganizationalUnit?.Name, "Prod");
  });

  it("answers Status only where the older enum has the state", async () => {
    const { fake, organizations } = aws;
    const closed = fake.addOrgAccount({ name: "gone", state: "CLOSED" });
    const suspended = fake.addOrgAccount({ name: "paused", state: "SUSPENDED" });
    const described = async (id: string) => (await organizations.send(new DescribeAccountCommand({ AccountId: id }))).Account;
    assert.deepEqual([(await described(closed))?.State, (await described(closed))?.Status], ["CLOSED", undefined]);
    assert.deepEqual([(await described(suspended))?.State, (await described(suspended))?.Status], ["SUSPENDED", "SUSPENDED"]);
  });

  it("pages by 20 at most, and refuses more with InvalidInputException", async () => {
    const { fake, organizations } = aws;
    fake.generateOrganization({ accounts: 45, fanout: [2] });
    const pages = [];
    for await (const page of paginateListAccounts({ client: organizations }, {})) pages.push(page.Accounts?.length);
    assert.deepEqual(pages, [20, 20, 6]);
    const tooMany = await failure(organizations.send(new ListAccountsCommand({ MaxResults: 21 })));
    assert.equal(tooMany.name, "InvalidInputException");
    const badToken = await failure(organizations.send(new ListAccountsCommand({ NextToken: "nonsense" })));
    assert.equal(badToken.Reason, "INVALID_NEXT_TOKEN");
  });

  it("keeps tags on accounts, and moves an account between OUs", async () => {
    const { fake, organizations } = aws;
    const a = fake.addOrgUnit("A");
    const b = fake.addOrgUnit("B", a);
    const id = fake.addOrgAccount({ name: "x", parentId: a, tags: { env: "prod" } });
    fake.tagOrgAccount(id, { team: "x" });
    const { Tags } = await organizations.send(new ListTagsForResourceCommand({ ResourceId: id }));
    assert.deepEqual(Tags, [
      { Key: "env", Value: "prod" },
      { Key: "team", Value: "x" },
    ]);
    fake.moveOrgAccount(id, b);
    const inB = await organizations.send(new ListAccountsForParentCommand({ ParentId: b }));
    assert.deepEqual(
      inB.Accounts?.map((acc) => acc.Id),
      [id],
    );
  });

  it("answers AWS's errors for unknown parents, accounts, OUs and resources", async () => {
    const { organizations } = aws;
    const missingOu = "ou-abcd-12345678";
    assert.equal(
      (await failure(organizations.send(new ListAccountsForParentCommand({ ParentId: missingOu })))).name,
      "ParentNotFoundException",
    );
    assert.equal(
      (await failure(organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: "nonsense" })))).Reason,
      "INVALID_PATTERN",
    );
    assert.equal(
      (await failure(organizations.send(new DescribeAccountCommand({ AccountId: "999988887777" })))).name,
      "AccountNotFoundException",
    );
    assert.equal(
      (await failure(organizations.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: missingOu })))).name,
      "OrganizationalUnitNotFoundException",
    );
    assert.equal(
      (await failure(organizations.send(new ListTagsForResourceCommand({ ResourceId: "999988887777" })))).name,
      "TargetNotFoundException",
    );
  });

  it("generates 5,000 accounts in 124 nested OUs quickly", () => {
    const started = performance.now();
    const generated = aws.fake.generateOrganization({ accounts: 5_000 });
    assert.equal(generated.accountIds.length, 5_000);
    assert.equal(generated.unitIds.length, 4 + 20 + 100);
    assert.ok(performance.now() - started < 1_000);
  });
});
