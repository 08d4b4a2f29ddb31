// The session fence's AWS side against the fake AWS Organizations, through the real SDK client:
// the writer creates, attaches and updates only what it must, and reports AWS's refusals so an
// operator can act; the start-up facts say when SCPs cannot work, and how long sessions last.
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { ListRootsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { STSClient } from "@aws-sdk/client-sts";
import { createOrganizationsClient } from "../../src/aws/clients.js";
import { discoverIdentityCenter, DiscoveryError } from "../../src/aws/discovery.js";
import { discoverFenceFacts } from "../../src/aws/fence-facts.js";
import { OrganizationsFenceWriter, type OrganizationsFenceSettings } from "../../src/aws/organizations-fence.js";
import { ProviderError } from "../../src/domain/errors.js";
import { DEFAULT_MANAGEMENT_ACCOUNT, sdkClientConfig, startFakeAws, type FakeAws } from "../../src/simulators/fake-aws.js";

const NAMES = ["jit-slack-session-fence-1", "jit-slack-session-fence-2", "jit-slack-session-fence-3"];
const ACCOUNT = "111122223333";
const OTHER_ACCOUNT = "444455556666";

let fake: FakeAws;
let organizations: OrganizationsClient;

function document(sid: string, padding = 0): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: sid,
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { StringEquals: { "identitystore:userId": "x".repeat(padding + 1) } },
      },
    ],
  });
}

const documents = NAMES.map((_, index) => document(`Fence${index}`));

function writer(settings: Partial<OrganizationsFenceSettings> = {}): OrganizationsFenceWriter {
  return new OrganizationsFenceWriter(organizations, {
    policyNames: NAMES,
    attachTo: "root",
    accountIds: () => [],
    managementAccountId: DEFAULT_MANAGEMENT_ACCOUNT,
    callsPerSecond: 50,
    retries: 4,
    ...settings,
  });
}

async function refusal(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected the write to fail");
}

const count = (operation: string) => fake.callsOf(operation).length;

before(async () => {
  fake = await startFakeAws();
  // As createOrganizationsClient builds it: one attempt per call, the writer retries.
  organizations = new OrganizationsClient(sdkClientConfig(fake));
});

after(async () => {
  organizations.destroy();
  await fake.close();
});

beforeEach(() => fake.reset());

describe("OrganizationsFenceWriter", () => {
  it("creates each policy with its document on the first write and attaches it to the root", async () => {
    await writer().write(documents);
    for (const [index, name] of NAMES.entries()) {
      assert.equal(fake.scpContent(name), documents[index]);
      assert.deepEqual(fake.scpTargets(name), [fake.rootId]);
    }
    assert.equal(count("CreatePolicy"), 3);
    assert.equal(count("UpdatePolicy"), 0);
    const created = fake.callsOf("CreatePolicy")[0]?.input;
    assert.equal(created?.Type, "SERVICE_CONTROL_POLICY");
    assert.match(String(created?.Description), /jit-slack.*Do not edit/);
  });

  it("updates only the policy whose document changed, and calls nothing when none did", async () => {
    const fence = writer();
    await fence.write(documents);
    const changed = [documents[0] as string, document("Changed"), documents[2] as string];
    const before = fake.calls.length;
    await fence.write(changed);
    assert.deepEqual(
      fake.calls.slice(before).map((call) => call.operation),
      ["UpdatePolicy"],
    );
    assert.equal(fake.scpContent(NAMES[1] as string), changed[1]);
    const unchanged = fake.calls.length;
    await fence.write(changed);
    assert.equal(fake.calls.length, unchanged);
  });

  it("adopts its policies left by an earlier run: reads them, attaches where missing, updates what differs", async () => {
    fake.addScp(NAMES[0] as string, documents[0] as string, [fake.rootId]);
    fake.addScp(NAMES[1] as string, document("Stale"));
    await writer().write(documents);
    assert.equal(count("CreatePolicy"), 1);
    assert.deepEqual(
      fake.callsOf("UpdatePolicy").map((call) => call.input.Content),
      [documents[1]],
    );
    assert.deepEqual(
      fake.callsOf("AttachPolicy").map((call) => call.input.TargetId),
      [fake.rootId, fake.rootId],
    );
    for (const name of NAMES) assert.deepEqual(fake.scpTargets(name), [fake.rootId]);
  });

  it("refuses content over 5,120 characters for good, naming the policy, and reads AWS again on the next write", async () => {
    const fence = writer();
    await fence.write(documents);
    const tooLong = [documents[0] as string, document("Big", 5_120), documents[2] as string];
    const error = await refusal(fence.write(tooLong));
    assert.equal(error.retryable, false);
    assert.equal(error.code, "ConstraintViolationException");
    assert.match(error.message, new RegExp(`${NAMES[1]}.*5,120 characters.*sessionFence.policyNames`));
    assert.equal(count("UpdatePolicy"), 1);
    const listed = count("ListPolicies");
    await fence.write(documents);
    assert.equal(count("ListPolicies"), listed + 1);
  });

  it("retries throttling and concurrent modification through its limiter", async () => {
    fake.failNext("CreatePolicy", { code: "TooManyRequestsException", message: "Rate exceeded" }, 2);
    fake.failNext("AttachPolicy", { code: "ConcurrentModificationException" });
    await writer().write(documents);
    assert.equal(count("CreatePolicy"), 5);
    assert.equal(count("AttachPolicy"), 4);
    for (const name of NAMES) assert.deepEqual(fake.scpTargets(name), [fake.rootId]);
  });

  it("gives up on throttling after its retries, as a retryable failure", async () => {
    fake.failNext("ListPolicies", { code: "TooManyRequestsException" }, 3);
    const error = await refusal(writer({ retries: 3 }).write(documents));
    assert.equal(error.retryable, true);
    assert.equal(count("ListPolicies"), 3);
  });

  it("reports a target that already holds five SCPs, naming the target and the policy", async () => {
    for (let i = 0; i < 3; i += 1) fake.addScp(`someone-else-${i}`, document(`Other${i}`), [fake.rootId]);
    const error = await refusal(writer().write(documents));
    assert.equal(error.retryable, false);
    assert.equal(error.code, "ConstraintViolationException");
    assert.match(error.message, new RegExp(`${NAMES[1]} on the organization root ${fake.rootId}: it already holds 5 SCPs`));
    assert.deepEqual(fake.scpTargets(NAMES[0] as string), [fake.rootId]);
  });

  it("counts an attachment AWS already has as attached", async () => {
    fake.failNext("AttachPolicy", { code: "DuplicatePolicyAttachmentException" });
    await writer().write(documents);
    assert.equal(count("AttachPolicy"), 3);
  });

  it("attaches to each account and never to the management account", async () => {
    await writer({ attachTo: "accounts", accountIds: () => [ACCOUNT, DEFAULT_MANAGEMENT_ACCOUNT, OTHER_ACCOUNT] }).write(documents);
    for (const name of NAMES) assert.deepEqual(fake.scpTargets(name), [ACCOUNT, OTHER_ACCOUNT]);
    assert.equal(count("ListRoots"), 0);
    assert.ok(fake.callsOf("AttachPolicy").every((call) => call.input.TargetId !== DEFAULT_MANAGEMENT_ACCOUNT));
  });

  it("says which permission the bot's role lacks", async () => {
    fake.denyOrganizationsAction("CreatePolicy");
    const error = await refusal(writer().write(documents));
    assert.equal(error.retryable, false);
    assert.equal(error.code, "AccessDeniedException");
    assert.match(error.message, /may not change service control policy jit-slack-session-fence-1.*organizations:.*CreatePolicy/);
  });
});

describe("createOrganizationsClient", () => {
  it("reaches the endpoint in AWS_ENDPOINT_URL_ORGANIZATIONS from any region, one attempt per call", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ORGANIZATIONS: fake.url,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_EC2_METADATA_DISABLED: "true",
    });
    const { client, destroy } = createOrganizationsClient(undefined);
    try {
      fake.failNext("ListRoots", { code: "TooManyRequestsException" });
      await assert.rejects(client.send(new ListRootsCommand({})), { name: "TooManyRequestsException" });
      assert.equal(count("ListRoots"), 1);
      const { Roots } = await client.send(new ListRootsCommand({}));
      assert.equal(Roots?.[0]?.Id, fake.rootId);
    } finally {
      destroy();
      process.env = saved;
    }
  });
});

describe("discoverFenceFacts", () => {
  const durations = new Map([["Admin", 8 * 3_600_000]]);

  it("asks Organizations nothing when the fence is off", async () => {
    const facts = await discoverFenceFacts(organizations, { mode: "off" }, durations);
    assert.deepEqual(facts, { mode: "off", unavailable: null, managementAccountId: null, sessionDurationMs: durations });
    assert.equal(fake.calls.length, 0);
  });

  it("finds SCPs usable and the management account", async () => {
    const facts = await discoverFenceFacts(organizations, { mode: "scp" }, durations);
    assert.deepEqual(facts, {
      mode: "scp",
      unavailable: null,
      managementAccountId: DEFAULT_MANAGEMENT_ACCOUNT,
      sessionDurationMs: durations,
    });
  });

  it("takes the management account from the organization", async () => {
    fake.configureOrganization({ managementAccountId: "777788889999" });
    assert.equal((await discoverFenceFacts(organizations, { mode: "scp" }, durations)).managementAccountId, "777788889999");
  });

  it("is unavailable with consolidated billing only", async () => {
    fake.configureOrganization({ featureSet: "CONSOLIDATED_BILLING" });
    const facts = await discoverFenceFacts(organizations, { mode: "scp" }, durations);
    assert.match(facts.unavailable ?? "", /consolidated billing.*need all features/);
    assert.equal(facts.managementAccountId, DEFAULT_MANAGEMENT_ACCOUNT);
  });

  it("is unavailable when the SCP policy type is disabled on the root, saying how to enable it", async () => {
    fake.configureOrganization({ scpEnabled: false });
    const facts = await discoverFenceFacts(organizations, { mode: "scp" }, durations);
    assert.match(
      facts.unavailable ?? "",
      new RegExp(`not enabled on the organization root ${fake.rootId}: enable the SERVICE_CONTROL_POLICY type`),
    );
  });

  it("is unavailable outside an organization", async () => {
    fake.configureOrganization({ inUse: false });
    const facts = await discoverFenceFacts(organizations, { mode: "scp" }, durations);
    assert.match(facts.unavailable ?? "", /belongs to no organization/);
  });

  it("is unavailable without permission, naming the missing action", async () => {
    fake.denyOrganizationsAction("ListRoots");
    const facts = await discoverFenceFacts(organizations, { mode: "scp" }, durations);
    assert.match(facts.unavailable ?? "", /may not call organizations:ListRoots/);
    fake.denyOrganizationsAction("DescribeOrganization");
    const denied = await discoverFenceFacts(organizations, { mode: "scp" }, durations);
    assert.match(denied.unavailable ?? "", /may not call organizations:DescribeOrganization/);
  });

  it("retries an outage, and stops the start when it lasts", async () => {
    fake.failNext("DescribeOrganization", { code: "ServiceException" });
    assert.equal((await discoverFenceFacts(organizations, { mode: "scp" }, durations)).unavailable, null);
    fake.failNext("ListRoots", { code: "ServiceException" }, 4);
    await assert.rejects(discoverFenceFacts(organizations, { mode: "scp" }, durations), DiscoveryError);
  });
});

describe("discoverIdentityCenter session durations", () => {
  it("reads each policy permission set's SessionDuration, one hour when AWS leaves it out", async () => {
    const config = {
      endpoint: fake.url,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    };
    const clients = { ssoAdmin: new SSOAdminClient(config), identityStore: new IdentitystoreClient(config), sts: new STSClient(config) };
    try {
      fake.addPermissionSet("Admin", { sessionDuration: "PT8H" });
      fake.addPermissionSet("ReadOnly", { sessionDuration: "PT1H30M" });
      fake.addPermissionSet("Default", { sessionDuration: null });
      fake.addPermissionSet("Odd", { sessionDuration: "P1M" });
      fake.addPermissionSet("NotInPolicy", { sessionDuration: "PT2H" });
      const discovered = await discoverIdentityCenter(clients, { instanceArn: undefined, identityStoreId: undefined }, [
        "Admin",
        "ReadOnly",
        "Default",
        "Odd",
      ]);
      // "Odd" cannot be read exactly, so it is left out and the fence assumes the longest session.
      assert.deepEqual(
        [...discovered.sessionDurationMs],
        [
          ["Admin", 8 * 3_600_000],
          ["ReadOnly", 90 * 60_000],
          ["Default", 3_600_000],
        ],
      );
    } finally {
      for (const client of Object.values(clients)) client.destroy();
    }
  });
});
