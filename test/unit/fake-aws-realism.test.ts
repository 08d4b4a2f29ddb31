// The fake AWS's realistic mode through the real SDK clients: operations that take their time by the
// wall clock, the quota of creations outstanding answered as AWS answers it, and one throttle over
// the Identity Center APIs.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  ListInstancesCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { GetUserIdCommand, IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { sdkClientConfig, startFakeAws, type FakeAws } from "../../src/simulators/fake-aws.js";
import { AwsRealism, CREATION_QUOTA_MESSAGE } from "../../src/simulators/fake-aws-realism.js";

const ACCOUNT = "111122223333";

let fake: FakeAws;
let sso: SSOAdminClient;

before(async () => {
  fake = await startFakeAws();
  sso = new SSOAdminClient(sdkClientConfig(fake));
});
after(async () => {
  sso.destroy();
  await fake.close();
});
beforeEach(() => fake.reset());

function createFor(principalId: string, permissionSetArn: string) {
  return sso.send(
    new CreateAccountAssignmentCommand({
      InstanceArn: fake.instanceArn,
      TargetId: ACCOUNT,
      TargetType: "AWS_ACCOUNT",
      PermissionSetArn: permissionSetArn,
      PrincipalType: "USER",
      PrincipalId: principalId,
    }),
  );
}

async function statusOf(requestId: string | undefined): Promise<string | undefined> {
  const out = await sso.send(
    new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: fake.instanceArn, AccountAssignmentCreationRequestId: requestId }),
  );
  return out.AccountAssignmentCreationStatus?.Status;
}

async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected the call to fail");
}

describe("the fake AWS in realistic mode", () => {
  it("keeps a creation IN_PROGRESS, however often it is polled, until its time has passed, then SUCCEEDED", async () => {
    fake.setRealistic({ operationMs: { min: 300, max: 300 }, callsPerSecond: 1_000, maxOutstandingCreations: 10, seed: 1 });
    const permissionSetArn = fake.addPermissionSet("Admin");
    const principalId = fake.addUser({ email: "alice@example.com" });
    const startedAt = Date.now();
    const created = await createFor(principalId, permissionSetArn);
    const requestId = created.AccountAssignmentCreationStatus?.RequestId;
    assert.equal(created.AccountAssignmentCreationStatus?.Status, "IN_PROGRESS");
    const seen: string[] = [];
    for (let status = await statusOf(requestId); ; status = await statusOf(requestId)) {
      seen.push(`${status}`);
      if (status !== "IN_PROGRESS") break;
      // Its time is counted from the call, after startedAt: before startedAt + 300 ms it cannot have ended.
      if (Date.now() < startedAt + 300) assert.equal(fake.hasAssignment({ accountId: ACCOUNT, permissionSetArn, principalId }), false);
    }
    assert.equal(seen.at(-1), "SUCCEEDED");
    assert.ok(seen.length > 2, `polled ${seen.length} times`);
    assert.ok(Date.now() - startedAt >= 300);
    assert.equal(fake.hasAssignment({ accountId: ACCOUNT, permissionSetArn, principalId }), true);
  });

  it("refuses a creation past the quota outstanding with HTTP 400 ThrottlingException, and records it", async () => {
    fake.setRealistic({ operationMs: { min: 200, max: 200 }, callsPerSecond: 1_000, maxOutstandingCreations: 2, seed: 1 });
    const permissionSetArn = fake.addPermissionSet("Admin");
    const users = ["a", "b", "c"].map((name) => fake.addUser({ email: `${name}@example.com` }));
    await createFor(users[0] ?? "", permissionSetArn);
    await createFor(users[1] ?? "", permissionSetArn);
    const refused = await rejection(createFor(users[2] ?? "", permissionSetArn));
    assert.equal(refused.name, "ThrottlingException");
    assert.equal(refused.message, CREATION_QUOTA_MESSAGE);
    assert.equal(refused.$metadata?.httpStatusCode, 400);
    assert.equal(fake.quotaViolations.length, 1);
    assert.equal(fake.quotaViolations[0]?.outstanding, 2);
    assert.equal(fake.peakOutstandingCreations, 2);

    // A creation that has ended gives its room back.
    const accepted = await waitUntilAccepted(() => createFor(users[2] ?? "", permissionSetArn));
    assert.equal(accepted.AccountAssignmentCreationStatus?.Status, "IN_PROGRESS");
    assert.equal(fake.peakOutstandingCreations, 2);
  });

  it("throttles SSO Admin and Identity Store together, and nothing else", async () => {
    fake.setRealistic({ operationMs: { min: 0, max: 0 }, callsPerSecond: 2, maxOutstandingCreations: 10, seed: 1 });
    fake.addUser({ email: "alice@example.com" });
    const identityStore = new IdentitystoreClient(sdkClientConfig(fake));
    const sts = new STSClient(sdkClientConfig(fake));
    try {
      await sso.send(new ListInstancesCommand({}));
      await identityStore.send(
        new GetUserIdCommand({
          IdentityStoreId: fake.identityStoreId,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: "userName", AttributeValue: "alice@example.com" } },
        }),
      );
      const third = await rejection(sso.send(new ListInstancesCommand({})));
      assert.equal(third.name, "ThrottlingException");
      await sts.send(new GetCallerIdentityCommand({}));
      assert.equal(fake.throttledCount, 1);
    } finally {
      identityStore.destroy();
      sts.destroy();
    }
  });

  it("draws the same operation times from the same seed", () => {
    const settings = { operationMs: { min: 1_000, max: 5_000 }, callsPerSecond: 20, maxOutstandingCreations: 10 };
    const draws = (seed: number) => {
      const realism = new AwsRealism({ ...settings, seed });
      return Array.from({ length: 20 }, () => realism.dueAt(0));
    };
    assert.deepEqual(draws(3), draws(3));
    assert.notDeepEqual(draws(3), draws(4));
    assert.ok(draws(3).every((ms) => ms >= 1_000 && ms <= 5_000));
  });
});

/** Sends `create` until the quota has room for it (the wall clock ends the operations ahead of it). */
async function waitUntilAccepted<T>(create: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return await create();
    } catch (error) {
      if (!(error instanceof Error && error.name === "ThrottlingException") || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
