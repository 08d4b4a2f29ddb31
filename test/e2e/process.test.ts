// The bot as a real process: refusing bad configuration, checking AWS at start, and losing
// nothing when it is killed and started again.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { runBotToExit, startChildBot, type ChildBot } from "../support/child-bot.js";
import { click, request, waitForDm } from "../support/flows.js";
import { DEFAULT_POLICY, people, PROD, startWorld, type World } from "../support/world.js";
import { deadBotLeasesRunOut, withWorldStore } from "../support/world-store.js";

describe("the bot process", () => {
  let world: World;
  const running: ChildBot[] = [];

  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((bot) => bot.kill()));
    await world.close();
  });

  const start = async (env: Record<string, string> = {}, viaDotEnv = false) => {
    const bot = await startChildBot(world, env, viaDotEnv);
    running.push(bot);
    return bot;
  };

  it("exits non-zero with one clear line per configuration problem", async () => {
    const env = world.env({ JIT_AUDIT_CHANNEL: "#audit", PORT: "99999" });
    delete (env as Record<string, string | undefined>).SLACK_BOT_TOKEN;
    const exited = await runBotToExit(env, world.dir);
    assert.equal(exited.code, 1);
    assert.match(exited.stderr, /SLACK_BOT_TOKEN: required/);
    assert.match(exited.stderr, /JIT_AUDIT_CHANNEL: must be a Slack channel id/);
    assert.match(exited.stderr, /PORT: /);
    assert.equal(world.aws.calls.length, 0, "nothing is called before configuration is valid");
  });

  it("exits non-zero naming the key of a policy mistake", async () => {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(world.policyFile, DEFAULT_POLICY.replace("maxDuration: 4h", "maxDuration: forever"));
    const exited = await runBotToExit(world.env(), world.dir);
    assert.equal(exited.code, 1);
    assert.match(exited.stderr, /rules\[0\]\.maxDuration: "forever" is not a duration/);
  });

  it("refuses to start when a permission set named in the policy does not exist in Identity Center", async () => {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      world.policyFile,
      DEFAULT_POLICY.replace(
        "permissionSets: [AdministratorAccess, ReadOnlyAccess]",
        "permissionSets: [AdministratorAccess, ReadOnlyAccess, BillingAccess]",
      ).replace("permissionSets: [AdministratorAccess, ReadOnlyAccess]\n    requesters", "permissionSets: [BillingAccess]\n    requesters"),
    );
    const exited = await runBotToExit(world.env(), world.dir);
    assert.equal(exited.code, 1);
    assert.match(exited.stderr, /Permission sets named in the policy do not exist in arn:aws:sso:::instance\/\S+: BillingAccess/);
  });

  it("refuses to start with a clear message when AWS credentials are rejected", async () => {
    world.aws.failNext("GetCallerIdentity", {
      code: "InvalidClientTokenId",
      message: "The security token included in the request is invalid.",
      status: 403,
    });
    const exited = await runBotToExit(world.env(), world.dir);
    assert.equal(exited.code, 1);
    assert.match(exited.stderr, /STS GetCallerIdentity failed: InvalidClientTokenId/);
  });

  it("names JIT_SSO_INSTANCE_ARN when the instance it names is not visible", async () => {
    const elsewhere = "arn:aws:sso:::instance/ssoins-0000000000000000";
    const exited = await runBotToExit(world.env({ JIT_SSO_INSTANCE_ARN: elsewhere }), world.dir);
    assert.equal(exited.code, 1);
    assert.match(
      exited.stderr,
      /JIT_SSO_INSTANCE_ARN arn:aws:sso:::instance\/ssoins-0000000000000000 is not among the IAM Identity Center instances/,
    );
    assert.doesNotMatch(exited.stderr, /AWS_SSO_INSTANCE_ARN/);
  });

  it("names JIT_IDENTITY_STORE_ID when it is not the identity store of the instance found", async () => {
    const exited = await runBotToExit(world.env({ JIT_IDENTITY_STORE_ID: "d-0000000000" }), world.dir);
    assert.equal(exited.code, 1);
    assert.match(
      exited.stderr,
      new RegExp(`JIT_IDENTITY_STORE_ID d-0000000000 is not the identity store of \\S+ \\(${world.aws.identityStoreId}\\)`),
    );
  });

  it("names AWS_ROLE_ARN when the role cannot be assumed", async () => {
    const role = "arn:aws:iam::123456789012:role/jit-slack-provisioner";
    world.aws.failNext("AssumeRole", { code: "AccessDenied", message: "not authorized to perform: sts:AssumeRole", status: 403 });
    const exited = await runBotToExit(world.env({ AWS_ROLE_ARN: role }), world.dir);
    assert.equal(exited.code, 1);
    assert.match(
      exited.stderr,
      /STS GetCallerIdentity \(with the role in AWS_ROLE_ARN=arn:aws:iam::123456789012:role\/jit-slack-provisioner\) failed: AccessDenied/,
    );
  });

  it("refuses to start with a clear message when Slack rejects the bot token", async () => {
    const exited = await runBotToExit(world.env({ SLACK_BOT_TOKEN: "xoxb-revoked" }), world.dir);
    assert.equal(exited.code, 1);
    assert.match(exited.stderr, /Slack did not accept SLACK_BOT_TOKEN \(auth\.test\): .*invalid_auth/);
  });

  it("refuses to start with a clear message when Slack rejects the Socket Mode app token", async () => {
    const exited = await runBotToExit(world.env({ SLACK_APP_TOKEN: "xapp-revoked" }), world.dir);
    assert.equal(exited.code, 1);
    assert.match(exited.stderr, /Slack did not accept SLACK_APP_TOKEN \(apps\.connections\.open\): .*invalid_auth/);
  });

  it("names JIT_HEALTH_HOST and JIT_HEALTH_PORT when it cannot listen there", async () => {
    const exited = await runBotToExit(world.env({ JIT_HEALTH_HOST: "192.0.2.1" }), world.dir);
    assert.equal(exited.code, 1);
    assert.match(exited.stderr, /Cannot listen on JIT_HEALTH_HOST=192\.0\.2\.1 JIT_HEALTH_PORT=0: .*EADDRNOTAVAIL/);
  });

  it("refuses to start with a clear message when the database cannot be opened", async () => {
    const exited = await runBotToExit(world.env({ JIT_DATABASE_FILE: `${world.dir}/missing/dir/jit.sqlite` }), world.dir);
    assert.equal(exited.code, 1);
    assert.match(exited.stderr, /Cannot open the database JIT_DATABASE_FILE=.*missing\/dir\/jit\.sqlite/);
  });

  it("says who it is in AWS and finds the Identity Center instance at start", async () => {
    const bot = await start();
    assert.equal(world.aws.callsOf("GetCallerIdentity").length, 1);
    assert.equal(world.aws.callsOf("ListInstances").length, 1);
    const started = bot
      .stdout()
      .split("\n")
      .find((line) => line.includes("connected to AWS IAM Identity Center"));
    assert.ok(started, "logs the AWS identity");
    assert.match(started, /"callerArn":"arn:aws:iam::123456789012:user\/jit-slack-test"/);
    assert.match(started, new RegExp(`"instanceArn":"${world.aws.instanceArn.replace(/[/.]/g, "\\$&")}"`));
  });

  it("reads its configuration from .env in the working directory", async () => {
    const bot = await start({}, true);
    const reply = await bot.driver.command(people.alice.slackId, "help");
    assert.equal(reply.response.status, 200);
  });

  it("uses the configured instance without listing instances", async () => {
    await start({ JIT_SSO_INSTANCE_ARN: world.aws.instanceArn, JIT_IDENTITY_STORE_ID: world.aws.identityStoreId });
    assert.equal(world.aws.callsOf("ListInstances").length, 0);
  });

  it("loses nothing when killed: pending requests stay decidable and expiry still happens after restart", async () => {
    const first = await start();
    const active = await request(first, world, people.alice.slackId, "prod AdministratorAccess 1h before the crash");
    await click(first, people.bob.slackId, "jit_approve", active);
    await waitForDm(world, people.alice.slackId, /Access granted/);
    const pending = await request(first, world, people.carol.slackId, "prod ReadOnlyAccess 1h still waiting");
    await first.kill("SIGKILL");
    await deadBotLeasesRunOut(world);

    // Time passes while the bot is down: the active grant's expiry goes by.
    const expired = await withWorldStore(world, (opened) =>
      opened.store.amend(active.grantId, "active", { expiresAt: Date.now() - 60_000 }),
    );
    assert.ok(expired, "the grant was active");

    const second = await start();
    await waitForDm(world, people.alice.slackId, /has ended/);
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 1);
    assert.equal(world.aws.assignments().length, 0);

    await click(second, people.bob.slackId, "jit_approve", pending);
    await waitForDm(world, people.carol.slackId, /Access granted/);
    assert.ok(
      world.aws.hasAssignment({
        accountId: PROD,
        permissionSetArn: world.permissionSets.ReadOnlyAccess,
        principalId: world.principals.carol,
      }),
    );
  });

  it("finishes a grant that was being created in AWS when the process was killed", async () => {
    const first = await start();
    const requested = await request(first, world, people.alice.slackId, "prod AdministratorAccess 1h crash mid-create");
    let release: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const stop = world.aws.onCall(async (call) => {
      if (call.operation === "ListAccountAssignmentCreationStatus") await paused;
    });
    await click(first, people.bob.slackId, "jit_approve", requested);
    await world.slack.waitFor(() => world.aws.callsOf("ListAccountAssignmentCreationStatus").length > 0, 5000, "status poll");
    await first.kill("SIGKILL");
    await deadBotLeasesRunOut(world);
    stop();
    release();

    await start();
    const granted = await waitForDm(world, people.alice.slackId, /Access granted/);
    assert.match(granted, /AdministratorAccess/);
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1, "the creation is followed up, not repeated");
    assert.equal(world.aws.assignments().length, 1);
    // The DM and the approval message's update go out together; wait for the update, not the DM.
    const approval = () => messageText(world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`));
    await world.slack.waitFor(() => /active until/.test(approval()), 5000, "the approval message to say the access is active");
  });
});
