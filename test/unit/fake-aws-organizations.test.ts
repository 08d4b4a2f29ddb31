// The fake AWS Organizations speaks the real wire protocol: each operation the session fence uses,
// and each failure AWS answers, through the real SDK client.
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  OrganizationsClient,
  paginateListPolicies,
  UpdatePolicyCommand,
} from "@aws-sdk/client-organizations";
import { DescribePermissionSetCommand, SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { DEFAULT_MANAGEMENT_ACCOUNT, sdkClientConfig, startFakeAws, type FakeAws } from "../../src/simulators/fake-aws.js";

const ACCOUNT = "111122223333";
const DENY_ALL = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] });

let fake: FakeAws;
let organizations: OrganizationsClient;

interface OrganizationsFailure {
  name: string;
  Reason?: string;
  $metadata: { httpStatusCode?: number };
}

async function failure(promise: Promise<unknown>): Promise<OrganizationsFailure> {
  try {
    await promise;
  } catch (error) {
    return error as OrganizationsFailure;
  }
  assert.fail("expected the call to fail");
}

const create = (name: string, content = DENY_ALL) =>
  organizations.send(new CreatePolicyCommand({ Name: name, Description: "test", Type: "SERVICE_CONTROL_POLICY", Content: content }));

before(async () => {
  fake = await startFakeAws();
  organizations = new OrganizationsClient(sdkClientConfig(fake));
});

after(async () => {
  organizations.destroy();
  await fake.close();
});

beforeEach(() => fake.reset());

describe("fake AWS Organizations", () => {
  it("describes an organization with all features and its management account", async () => {
    const { Organization } = await organizations.send(new DescribeOrganizationCommand({}));
    assert.equal(Organization?.FeatureSet, "ALL");
    assert.equal(Organization?.MasterAccountId, DEFAULT_MANAGEMENT_ACCOUNT);
    const { Roots } = await organizations.send(new ListRootsCommand({}));
    assert.deepEqual(
      Roots?.map((root) => [root.Id, root.PolicyTypes]),
      [[fake.rootId, [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }]]],
    );
  });

  it("shows the SCP type disabled, consolidated billing, and no organization as AWS does", async () => {
    fake.configureOrganization({ scpEnabled: false });
    assert.deepEqual((await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.PolicyTypes, []);
    fake.configureOrganization({ featureSet: "CONSOLIDATED_BILLING" });
    assert.equal((await organizations.send(new DescribeOrganizationCommand({}))).Organization?.FeatureSet, "CONSOLIDATED_BILLING");
    assert.equal((await failure(create("fence"))).name, "PolicyTypeNotAvailableForOrganizationException");
    fake.configureOrganization({ inUse: false });
    assert.equal((await failure(organizations.send(new ListRootsCommand({})))).name, "AWSOrganizationsNotInUseException");
  });

  it("creates, describes, updates and lists policies, FullAWSAccess among them", async () => {
    const created = await create("fence");
    const id = created.Policy?.PolicySummary?.Id as string;
    assert.match(id, /^p-[0-9a-z]{8}$/);
    const changed = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Changed", Effect: "Deny", Action: "s3:*", Resource: "*" }],
    });
    await organizations.send(new UpdatePolicyCommand({ PolicyId: id, Content: changed }));
    const described = await organizations.send(new DescribePolicyCommand({ PolicyId: id }));
    assert.equal(described.Policy?.Content, changed);
    assert.equal(fake.scpContent("fence"), changed);
    const listed = await organizations.send(new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY" }));
    assert.deepEqual(listed.Policies?.map((p) => [p.Name, p.AwsManaged]).sort(), [
      ["FullAWSAccess", true],
      ["fence", false],
    ]);
  });

  it("pages ListPolicies", async () => {
    for (let i = 0; i < 4; i += 1) await create(`fence-${i}`);
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateListPolicies({ client: organizations, pageSize: 2 }, { Filter: "SERVICE_CONTROL_POLICY" })) {
      pages += 1;
      names.push(...(page.Policies ?? []).map((p) => p.Name as string));
    }
    assert.equal(pages, 3);
    assert.equal(names.length, 5);
  });

  it("attaches, lists targets both ways, and detaches", async () => {
    const id = (await create("fence")).Policy?.PolicySummary?.Id as string;
    await organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId: fake.rootId }));
    await organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId: ACCOUNT }));
    const targets = await organizations.send(new ListTargetsForPolicyCommand({ PolicyId: id }));
    assert.deepEqual(
      targets.Targets?.map((t) => [t.TargetId, t.Type]),
      [
        [fake.rootId, "ROOT"],
        [ACCOUNT, "ACCOUNT"],
      ],
    );
    assert.deepEqual(fake.scpTargets("fence"), [fake.rootId, ACCOUNT]);
    const onAccount = await organizations.send(new ListPoliciesForTargetCommand({ TargetId: ACCOUNT, Filter: "SERVICE_CONTROL_POLICY" }));
    assert.deepEqual(
      onAccount.Policies?.map((p) => p.Name),
      ["FullAWSAccess", "fence"],
    );
    assert.equal((await failure(organizations.send(new DeletePolicyCommand({ PolicyId: id })))).name, "PolicyInUseException");
    await organizations.send(new DetachPolicyCommand({ PolicyId: id, TargetId: ACCOUNT }));
    assert.deepEqual(fake.scpTargets("fence"), [fake.rootId]);
  });

  it("answers AWS's errors and limits", async () => {
    const id = (await create("fence")).Policy?.PolicySummary?.Id as string;
    const tooLong = JSON.stringify({ Statement: [{ Effect: "Deny", Action: "*", Resource: "*", Sid: "x".repeat(5_120) }] });
    const cases: Array<[Promise<unknown>, string, string?]> = [
      [create("big", tooLong), "ConstraintViolationException", "POLICY_CONTENT_LIMIT_EXCEEDED"],
      [create("bad", "{"), "MalformedPolicyDocumentException"],
      [create("empty", JSON.stringify({ Version: "2012-10-17", Statement: [] })), "MalformedPolicyDocumentException"],
      [create("fence"), "DuplicatePolicyException"],
      [organizations.send(new DescribePolicyCommand({ PolicyId: "p-00000000" })), "PolicyNotFoundException"],
      [organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId: "r-zzzz" })), "TargetNotFoundException"],
      [
        organizations.send(new UpdatePolicyCommand({ PolicyId: "p-FullAWSAccess", Content: DENY_ALL })),
        "InvalidInputException",
        "IMMUTABLE_POLICY",
      ],
    ];
    for (const [call, code, reason] of cases) {
      const error = await failure(call);
      assert.equal(error.name, code);
      assert.equal(error.Reason, reason);
    }
    await organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId: ACCOUNT }));
    const again = await failure(organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId: ACCOUNT })));
    assert.equal(again.name, "DuplicatePolicyAttachmentException");
  });

  it("holds at most five SCPs on a target, FullAWSAccess included", async () => {
    for (let i = 0; i < 3; i += 1) fake.addScp(`other-${i}`, DENY_ALL, [ACCOUNT]);
    const fifth = (await create("fifth")).Policy?.PolicySummary?.Id as string;
    await organizations.send(new AttachPolicyCommand({ PolicyId: fifth, TargetId: ACCOUNT }));
    const sixth = (await create("sixth")).Policy?.PolicySummary?.Id as string;
    const error = await failure(organizations.send(new AttachPolicyCommand({ PolicyId: sixth, TargetId: ACCOUNT })));
    assert.equal(error.name, "ConstraintViolationException");
    assert.equal(error.Reason, "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED");
  });

  it("knows only the accounts it is given, when given some", async () => {
    fake.configureOrganization({ accounts: [ACCOUNT] });
    const id = (await create("fence")).Policy?.PolicySummary?.Id as string;
    await organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId: ACCOUNT }));
    const error = await failure(organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId: "444455556666" })));
    assert.equal(error.name, "TargetNotFoundException");
  });

  it("denies an action it is told to, throttles with TooManyRequestsException, and injects faults", async () => {
    fake.denyOrganizationsAction("CreatePolicy");
    assert.equal((await failure(create("fence"))).name, "AccessDeniedException");
    fake.setRateLimit(1);
    await organizations.send(new ListRootsCommand({}));
    assert.equal((await failure(organizations.send(new ListRootsCommand({})))).name, "TooManyRequestsException");
    fake.setRateLimit(null);
    fake.failNext("ListRoots", { code: "ServiceException" });
    const fault = await failure(organizations.send(new ListRootsCommand({})));
    assert.equal(fault.name, "ServiceException");
    assert.equal(fault.$metadata.httpStatusCode, 500);
  });
});

describe("fake SSO Admin session durations", () => {
  it("returns a permission set's SessionDuration, and none when it was left out", async () => {
    const sso = new SSOAdminClient({
      endpoint: fake.url,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    try {
      const long = fake.addPermissionSet("Long", { sessionDuration: "PT8H" });
      const unset = fake.addPermissionSet("Unset", { sessionDuration: null });
      const describe = (arn: string) =>
        sso.send(new DescribePermissionSetCommand({ InstanceArn: fake.instanceArn, PermissionSetArn: arn }));
      assert.equal((await describe(long)).PermissionSet?.SessionDuration, "PT8H");
      assert.equal((await describe(unset)).PermissionSet?.SessionDuration, undefined);
    } finally {
      sso.destroy();
    }
  });
});
