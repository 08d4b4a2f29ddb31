// Proves the fake AWS server speaks the real wire protocols: every operation
// is exercised through the real SDK v3 clients pointed at it by `endpoint`.

import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  paginateListAccountAssignments,
  paginateListAccountAssignmentsForPrincipal,
  paginateListPermissionSets,
  SSOAdminClient,
  type PrincipalType,
} from "@aws-sdk/client-sso-admin";
import { DescribeUserCommand, GetUserIdCommand, IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { awsClientEnv, startFakeAws, type FakeAws } from "../../src/simulators/fake-aws.js";

const ACCOUNT = "111122223333";
const OTHER_ACCOUNT = "444455556666";

let fake: FakeAws;
let sso: SSOAdminClient;
let ids: IdentitystoreClient;
let sts: STSClient;

function clientConfig(maxAttempts = 1) {
  return {
    endpoint: fake.url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts,
  };
}

/** Resolves to the rejection of `promise` (fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; $fault?: string }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error);
    return err;
  }
  assert.fail("expected the call to fail");
}

function assignmentInput(permissionSetArn: string, principalId: string, accountId = ACCOUNT) {
  return {
    InstanceArn: fake.instanceArn,
    TargetId: accountId,
    TargetType: "AWS_ACCOUNT" as const,
    PermissionSetArn: permissionSetArn,
    PrincipalType: "USER" as PrincipalType,
    PrincipalId: principalId,
  };
}

before(async () => {
  fake = await startFakeAws({ callerAccountId: "999988887777", callerArn: "arn:aws:iam::999988887777:user/jit-bot" });
  sso = new SSOAdminClient(clientConfig());
  ids = new IdentitystoreClient(clientConfig());
  sts = new STSClient(clientConfig());
});

after(async () => {
  sso.destroy();
  ids.destroy();
  sts.destroy();
  await fake.close();
});

beforeEach(() => fake.reset());

describe("STS (awsQuery)", () => {
  it("GetCallerIdentity returns the configured account and arn", async () => {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(out.Account, "999988887777");
    assert.equal(out.Arn, "arn:aws:iam::999988887777:user/jit-bot");
    assert.match(out.UserId ?? "", /^AIDA/);
    assert.equal(fake.callsOf("GetCallerIdentity")[0]?.service, "sts");
  });

  it("AssumeRole returns parsed temporary credentials and records the request", async () => {
    fake.allowRole(ACCOUNT, "JitAdmin");
    const before = Date.now();
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/JitAdmin`, RoleSessionName: "jit-slack", DurationSeconds: 900 }),
    );
    assert.match(out.Credentials?.AccessKeyId ?? "", /^ASIA/);
    assert.ok(out.Credentials?.SecretAccessKey && out.Credentials.SessionToken);
    assert.ok(out.Credentials?.Expiration instanceof Date);
    const ttl = out.Credentials.Expiration.getTime() - before;
    assert.ok(ttl > 890_000 && ttl <= 901_000, `expiration ${ttl}ms ahead`);
    assert.equal(out.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/JitAdmin/jit-slack`);
    const [call] = fake.callsOf("AssumeRole");
    assert.equal(call?.input.RoleArn, `arn:aws:iam::${ACCOUNT}:role/JitAdmin`);
    assert.equal(call?.input.RoleSessionName, "jit-slack");
  });

  it("AssumeRole validation and injected faults surface as err.name", async () => {
    const bad = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: "not-an-arn", RoleSessionName: "x1" })));
    assert.equal(bad.name, "ValidationError");
    assert.match(bad.message, /roleArn/);

    const unset = await rejection(
      sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/Missing`, RoleSessionName: "s1" })),
    );
    assert.equal(unset.name, "AccessDenied", "a role in another account that was not set up");
    assert.equal(unset.$metadata?.httpStatusCode, 403);

    fake.failNext("AssumeRole", { code: "AccessDenied", message: "not authorized", status: 403 });
    const denied = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/R`, RoleSessionName: "s1" })));
    assert.equal(denied.name, "AccessDenied");
    assert.equal(denied.message, "not authorized");
    assert.equal(denied.$metadata?.httpStatusCode, 403);
    assert.equal(fake.callsOf("AssumeRole").at(-1)?.error, "AccessDenied");
  });
});

describe("SSO Admin: instances and permission sets", () => {
  it("ListInstances returns the single instance", async () => {
    const out = await sso.send(new ListInstancesCommand({}));
    assert.equal(out.Instances?.length, 1);
    assert.equal(out.Instances?.[0]?.InstanceArn, fake.instanceArn);
    assert.equal(out.Instances?.[0]?.IdentityStoreId, fake.identityStoreId);
    assert.match(fake.instanceArn, /^arn:aws:sso:::instance\/ssoins-[0-9a-f]{16}$/);
    assert.match(fake.identityStoreId, /^d-[0-9a-f]{10}$/);
    assert.equal(out.NextToken, undefined);
  });

  it("ListPermissionSets paginates with MaxResults/NextToken", async () => {
    const arns = ["A", "B", "C", "D", "E"].map((n) => fake.addPermissionSet(n));
    const first = await sso.send(new ListPermissionSetsCommand({ InstanceArn: fake.instanceArn, MaxResults: 2 }));
    assert.deepEqual(first.PermissionSets, arns.slice(0, 2));
    assert.ok(first.NextToken);

    const pages: string[][] = [];
    for await (const page of paginateListPermissionSets({ client: sso, pageSize: 2 }, { InstanceArn: fake.instanceArn })) {
      pages.push(page.PermissionSets ?? []);
    }
    assert.deepEqual(pages, [arns.slice(0, 2), arns.slice(2, 4), arns.slice(4)]);

    const badToken = await rejection(sso.send(new ListPermissionSetsCommand({ InstanceArn: fake.instanceArn, NextToken: "garbage" })));
    assert.equal(badToken.name, "ValidationException");
  });

  it("DescribePermissionSet returns details; unknown arn is ResourceNotFoundException", async () => {
    const arn = fake.addPermissionSet("ReadOnly", { sessionDuration: "PT4H", description: "read only" });
    const out = await sso.send(new DescribePermissionSetCommand({ InstanceArn: fake.instanceArn, PermissionSetArn: arn }));
    assert.equal(out.PermissionSet?.Name, "ReadOnly");
    assert.equal(out.PermissionSet?.PermissionSetArn, arn);
    assert.equal(out.PermissionSet?.SessionDuration, "PT4H");
    assert.equal(out.PermissionSet?.Description, "read only");
    assert.ok(out.PermissionSet?.CreatedDate instanceof Date);

    const missing = `${arn.slice(0, -4)}0000`;
    const err = await rejection(sso.send(new DescribePermissionSetCommand({ InstanceArn: fake.instanceArn, PermissionSetArn: missing })));
    assert.equal(err.name, "ResourceNotFoundException");
    assert.match(err.message, /PermissionSet/);
  });
});

describe("Identity Store", () => {
  it("GetUserId by email or userName, DescribeUser, and ResourceNotFoundException", async () => {
    const userId = fake.addUser({ email: "alice@example.com", userName: "alice" });
    const byEmail = await ids.send(
      new GetUserIdCommand({
        IdentityStoreId: fake.identityStoreId,
        AlternateIdentifier: { UniqueAttribute: { AttributePath: "emails.value", AttributeValue: "alice@example.com" } },
      }),
    );
    assert.equal(byEmail.UserId, userId);
    assert.equal(byEmail.IdentityStoreId, fake.identityStoreId);

    const byName = await ids.send(
      new GetUserIdCommand({
        IdentityStoreId: fake.identityStoreId,
        AlternateIdentifier: { UniqueAttribute: { AttributePath: "userName", AttributeValue: "alice" } },
      }),
    );
    assert.equal(byName.UserId, userId);

    const user = await ids.send(new DescribeUserCommand({ IdentityStoreId: fake.identityStoreId, UserId: userId }));
    assert.equal(user.UserName, "alice");
    assert.equal(user.Emails?.[0]?.Value, "alice@example.com");
    assert.equal(user.Emails?.[0]?.Primary, true);

    const missing = await rejection(
      ids.send(
        new GetUserIdCommand({
          IdentityStoreId: fake.identityStoreId,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: "emails.value", AttributeValue: "bob@example.com" } },
        }),
      ),
    );
    assert.equal(missing.name, "ResourceNotFoundException");
    const noUser = await rejection(ids.send(new DescribeUserCommand({ IdentityStoreId: fake.identityStoreId, UserId: "nope" })));
    assert.equal(noUser.name, "ResourceNotFoundException");
  });
});

describe("SSO Admin: account assignments", () => {
  let psArn: string;
  let userId: string;

  beforeEach(() => {
    psArn = fake.addPermissionSet("Admin");
    userId = fake.addUser({ email: "alice@example.com" });
  });

  it("Create is IN_PROGRESS, applies on the SUCCEEDED poll, and is listed", async () => {
    const created = await sso.send(new CreateAccountAssignmentCommand(assignmentInput(psArn, userId)));
    const status = created.AccountAssignmentCreationStatus;
    assert.equal(status?.Status, "IN_PROGRESS");
    assert.equal(status?.TargetId, ACCOUNT);
    assert.equal(status?.TargetType, "AWS_ACCOUNT");
    assert.equal(status?.PrincipalId, userId);
    assert.ok(status?.CreatedDate instanceof Date);
    assert.equal(fake.hasAssignment({ accountId: ACCOUNT, permissionSetArn: psArn, principalId: userId }), false);

    const polled = await sso.send(
      new DescribeAccountAssignmentCreationStatusCommand({
        InstanceArn: fake.instanceArn,
        AccountAssignmentCreationRequestId: status?.RequestId,
      }),
    );
    assert.equal(polled.AccountAssignmentCreationStatus?.Status, "SUCCEEDED");
    assert.equal(polled.AccountAssignmentCreationStatus?.FailureReason, undefined);
    assert.equal(fake.hasAssignment({ accountId: ACCOUNT, permissionSetArn: psArn, principalId: userId }), true);

    const listed = await sso.send(
      new ListAccountAssignmentsCommand({ InstanceArn: fake.instanceArn, AccountId: ACCOUNT, PermissionSetArn: psArn }),
    );
    assert.deepEqual(listed.AccountAssignments, [
      { AccountId: ACCOUNT, PermissionSetArn: psArn, PrincipalType: "USER", PrincipalId: userId },
    ]);
  });

  it("setInProgressPolls controls how many IN_PROGRESS statuses are seen", async () => {
    fake.setInProgressPolls(0);
    const immediate = await sso.send(new CreateAccountAssignmentCommand(assignmentInput(psArn, userId)));
    assert.equal(immediate.AccountAssignmentCreationStatus?.Status, "SUCCEEDED");
    assert.equal(fake.assignments().length, 1);

    fake.setInProgressPolls(3);
    const del = await sso.send(new DeleteAccountAssignmentCommand(assignmentInput(psArn, userId)));
    const seen = [del.AccountAssignmentDeletionStatus?.Status];
    while (seen.at(-1) === "IN_PROGRESS") {
      const out = await sso.send(
        new DescribeAccountAssignmentDeletionStatusCommand({
          InstanceArn: fake.instanceArn,
          AccountAssignmentDeletionRequestId: del.AccountAssignmentDeletionStatus?.RequestId,
        }),
      );
      seen.push(out.AccountAssignmentDeletionStatus?.Status);
    }
    assert.deepEqual(seen, ["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]);
    assert.deepEqual(fake.assignments(), []);
  });

  it("Create of an existing assignment is accepted without a duplicate", async () => {
    fake.setInProgressPolls(0);
    fake.addAssignment({ accountId: ACCOUNT, permissionSetArn: psArn, principalId: userId });
    const out = await sso.send(new CreateAccountAssignmentCommand(assignmentInput(psArn, userId)));
    assert.equal(out.AccountAssignmentCreationStatus?.Status, "SUCCEEDED");
    assert.equal(fake.assignments().length, 1);
  });

  it("Delete of a missing assignment is ResourceNotFoundException; unknown permission set too", async () => {
    const missing = await rejection(sso.send(new DeleteAccountAssignmentCommand(assignmentInput(psArn, userId))));
    assert.equal(missing.name, "ResourceNotFoundException");
    assert.equal(missing.$metadata?.httpStatusCode, 400);

    const unknownPs = `${psArn.slice(0, -4)}0000`;
    const create = await rejection(sso.send(new CreateAccountAssignmentCommand(assignmentInput(unknownPs, userId))));
    assert.equal(create.name, "ResourceNotFoundException");
    assert.equal(fake.callsOf("CreateAccountAssignment")[0]?.error, "ResourceNotFoundException");
  });

  it("unknown principal and failStatusNext end FAILED with FailureReason and no state change", async () => {
    fake.setInProgressPolls(0);
    const ghost = await sso.send(new CreateAccountAssignmentCommand(assignmentInput(psArn, "ghost-user")));
    assert.equal(ghost.AccountAssignmentCreationStatus?.Status, "FAILED");
    assert.match(ghost.AccountAssignmentCreationStatus?.FailureReason ?? "", /ghost-user/);
    assert.deepEqual(fake.assignments(), []);

    fake.setInProgressPolls(1);
    fake.addAssignment({ accountId: ACCOUNT, permissionSetArn: psArn, principalId: userId });
    fake.failStatusNext("deletion", "Internal failure while deprovisioning");
    const del = await sso.send(new DeleteAccountAssignmentCommand(assignmentInput(psArn, userId)));
    assert.equal(del.AccountAssignmentDeletionStatus?.Status, "IN_PROGRESS");
    const polled = await sso.send(
      new DescribeAccountAssignmentDeletionStatusCommand({
        InstanceArn: fake.instanceArn,
        AccountAssignmentDeletionRequestId: del.AccountAssignmentDeletionStatus?.RequestId,
      }),
    );
    assert.equal(polled.AccountAssignmentDeletionStatus?.Status, "FAILED");
    assert.equal(polled.AccountAssignmentDeletionStatus?.FailureReason, "Internal failure while deprovisioning");
    assert.equal(fake.hasAssignment({ accountId: ACCOUNT, permissionSetArn: psArn, principalId: userId }), true);
  });

  it("ListAccountAssignments and ListAccountAssignmentsForPrincipal paginate", async () => {
    const users = [userId, fake.addUser({ email: "b@example.com" }), fake.addUser({ email: "c@example.com" })];
    const otherPs = fake.addPermissionSet("ReadOnly");
    for (const principalId of users) fake.addAssignment({ accountId: ACCOUNT, permissionSetArn: psArn, principalId });
    fake.addAssignment({ accountId: OTHER_ACCOUNT, permissionSetArn: psArn, principalId: userId });
    fake.addAssignment({ accountId: ACCOUNT, permissionSetArn: otherPs, principalId: userId });

    const principals: string[] = [];
    let pages = 0;
    for await (const page of paginateListAccountAssignments(
      { client: sso, pageSize: 1 },
      { InstanceArn: fake.instanceArn, AccountId: ACCOUNT, PermissionSetArn: psArn },
    )) {
      pages += 1;
      principals.push(...(page.AccountAssignments ?? []).map((a) => a.PrincipalId ?? ""));
    }
    assert.equal(pages, 3);
    assert.deepEqual(principals, users);

    const forPrincipal: string[] = [];
    for await (const page of paginateListAccountAssignmentsForPrincipal(
      { client: sso, pageSize: 2 },
      { InstanceArn: fake.instanceArn, PrincipalId: userId, PrincipalType: "USER" },
    )) {
      forPrincipal.push(
        ...(page.AccountAssignments ?? []).map((a) => `${a.AccountId}/${a.PermissionSetArn === psArn ? "Admin" : "ReadOnly"}`),
      );
    }
    assert.deepEqual(forPrincipal, [`${ACCOUNT}/Admin`, `${OTHER_ACCOUNT}/Admin`, `${ACCOUNT}/ReadOnly`]);

    const filtered = [];
    for await (const page of paginateListAccountAssignmentsForPrincipal(
      { client: sso },
      { InstanceArn: fake.instanceArn, PrincipalId: userId, PrincipalType: "USER", Filter: { AccountId: OTHER_ACCOUNT } },
    )) {
      filtered.push(...(page.AccountAssignments ?? []));
    }
    assert.deepEqual(filtered, [{ AccountId: OTHER_ACCOUNT, PermissionSetArn: psArn, PrincipalId: userId, PrincipalType: "USER" }]);
  });
});

describe("fault injection and control", () => {
  it("failNext errors surface with the right err.name, message and status", async () => {
    const cases = [
      { code: "ThrottlingException", status: 400, fault: "client" },
      { code: "AccessDeniedException", status: 400, fault: "client" },
      { code: "ConflictException", status: 400, fault: "client" },
      { code: "InternalServerException", status: 500, fault: "server" },
    ];
    for (const c of cases) {
      fake.failNext("ListInstances", { code: c.code, message: `boom ${c.code}` });
      const err = await rejection(sso.send(new ListInstancesCommand({})));
      assert.equal(err.name, c.code);
      assert.equal(err.message, `boom ${c.code}`);
      assert.equal(err.$metadata?.httpStatusCode, c.status);
      assert.equal(err.$fault, c.fault);
    }
    const ok = await sso.send(new ListInstancesCommand({}));
    assert.equal(ok.Instances?.length, 1);
  });

  it("failNext times and wildcard; SDK retries recover from a single throttle", async () => {
    fake.failNext("*", { code: "ThrottlingException" }, 2);
    assert.equal(
      (await rejection(ids.send(new DescribeUserCommand({ IdentityStoreId: fake.identityStoreId, UserId: "x" })))).name,
      "ThrottlingException",
    );
    assert.equal((await rejection(sts.send(new GetCallerIdentityCommand({}))))?.name, "ThrottlingException");
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, "999988887777");

    const retrying = new SSOAdminClient(clientConfig(3));
    try {
      fake.failNext("ListInstances", { code: "ThrottlingException" });
      const out = await retrying.send(new ListInstancesCommand({}));
      assert.equal(out.$metadata.attempts, 2);
      assert.deepEqual(
        fake.callsOf("ListInstances").map((c) => c.error ?? "ok"),
        ["ThrottlingException", "ok"],
      );
    } finally {
      retrying.destroy();
    }
  });

  it("setRateLimit throttles calls beyond the per-second budget", async () => {
    fake.setRateLimit(2);
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => sso.send(new ListInstancesCommand({}))));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    assert.equal(rejected.length, 2);
    for (const r of rejected) assert.equal((r.reason as Error).name, "ThrottlingException");
    assert.equal(fake.throttledCount, 2);
    fake.setRateLimit(null);
    await sso.send(new ListInstancesCommand({}));
  });

  it("setLatency delays a given operation only", async () => {
    fake.setLatency(150, "ListInstances");
    let start = Date.now();
    await sso.send(new ListInstancesCommand({}));
    assert.ok(Date.now() - start >= 145);
    start = Date.now();
    await sts.send(new GetCallerIdentityCommand({}));
    assert.ok(Date.now() - start < 145);
  });

  it("onCall hooks observe input and can hold a call before it is applied", async () => {
    fake.setInProgressPolls(0);
    const psArn = fake.addPermissionSet("Admin");
    const userId = fake.addUser({ email: "alice@example.com" });
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    const unsubscribe = fake.onCall(async (call) => {
      seen.push(call.operation);
      if (call.operation === "CreateAccountAssignment") await gate;
    });

    const pending = sso.send(new CreateAccountAssignmentCommand(assignmentInput(psArn, userId)));
    while (fake.callsOf("CreateAccountAssignment").length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(fake.callsOf("CreateAccountAssignment")[0]?.input.PrincipalId, userId);
    assert.equal(fake.hasAssignment({ accountId: ACCOUNT, permissionSetArn: psArn, principalId: userId }), false);
    release();
    assert.equal((await pending).AccountAssignmentCreationStatus?.Status, "SUCCEEDED");
    assert.equal(fake.hasAssignment({ accountId: ACCOUNT, permissionSetArn: psArn, principalId: userId }), true);

    unsubscribe();
    await sso.send(new ListInstancesCommand({}));
    assert.deepEqual(seen, ["CreateAccountAssignment"]);
  });
});

describe("wire details", () => {
  it("requires an Authorization header and emits awsJson error headers", async () => {
    const unsigned = await fetch(fake.url, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "SWBExternalService.ListInstances" },
      body: "{}",
    });
    assert.equal(unsigned.status, 403);
    assert.equal(fake.calls.length, 0);

    const invalid = await fetch(fake.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "SWBExternalService.ListPermissionSets",
        Authorization: "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sso/aws4_request, Signature=x",
      },
      body: "{}",
    });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.headers.get("x-amzn-errortype"), "ValidationException");
    const body = (await invalid.json()) as { __type?: string; message?: string };
    assert.equal(body.__type, "ValidationException");
    assert.match(body.message ?? "", /Value null at 'instanceArn'/);
  });

  it("awsClientEnv configures a child process SDK via AWS_ENDPOINT_URL", async () => {
    const script = [
      "import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';",
      "const out = await new STSClient({}).send(new GetCallerIdentityCommand({}));",
      "process.stdout.write(out.Account);",
    ].join("\n");
    const { stdout } = await promisify(execFile)(process.execPath, ["--no-warnings", "--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH ?? "", ...awsClientEnv(fake) },
      cwd: process.cwd(),
    });
    assert.equal(stdout, "999988887777");
    assert.equal(fake.callsOf("GetCallerIdentity").length, 1);
  });
});
