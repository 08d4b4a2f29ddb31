// AWS's quota of ten assignment creations outstanding at once, against the fake AWS in realistic
// mode: a creation AWS refuses for it is sent again until accepted, and three replicas on one
// PostgreSQL database stay within the ten together (the second part needs JIT_TEST_DATABASE_URL).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateAccountAssignmentCommand, SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { sdkClientConfig } from "../../src/simulators/fake-aws.js";
import type { ChildBot } from "../support/child-bot.js";
import { click, eventually, request, type Requested } from "../support/flows.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { postgresUrl, query, startReplicas } from "../support/replicas.js";
import { APPROVALS, people, PROD, SANDBOX, startWorld, USES_POSTGRES, type World } from "../support/world.js";

const QUOTA = 10;

describe("a creation refused for the quota of creations outstanding", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
  });

  it("is sent again once the quota has room, and the grant ends active", async () => {
    // One slot in all, taken by another tool's creation for the next 3 s.
    world.aws.setRealistic({ operationMs: { min: 3_000, max: 3_000 }, callsPerSecond: 100, maxOutstandingCreations: 1, seed: 7 });
    const sso = new SSOAdminClient(sdkClientConfig(world.aws));
    try {
      await sso.send(
        new CreateAccountAssignmentCommand({
          InstanceArn: world.aws.instanceArn,
          TargetId: SANDBOX,
          TargetType: "AWS_ACCOUNT",
          PermissionSetArn: world.permissionSets.AdministratorAccess,
          PrincipalType: "USER",
          PrincipalId: world.principals.carol,
        }),
      );
    } finally {
      sso.destroy();
    }
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h quota retry");
    assert.equal((await click(bot, people.bob.slackId, "jit_approve", requested)).status, 200);

    await eventually(async () => (await bot.bot.deps.store.get(requested.grantId))?.status === "active", 20_000, "the grant to be active");
    assert.ok(world.aws.quotaViolations.length >= 1, "AWS refused the bot's creation at least once");
    const accepted = world.aws
      .callsOf("CreateAccountAssignment")
      .filter((call) => call.error === undefined && call.input.PrincipalId === world.principals.alice);
    assert.equal(accepted.length, 1, "one creation accepted for the grant");
    assert.ok(
      world.aws.hasAssignment({
        accountId: PROD,
        permissionSetArn: world.permissionSets.ReadOnlyAccess,
        principalId: world.principals.alice,
      }),
    );
    const interrupted = bot.logger.lines.filter((line) => line.message.includes("provisioning interrupted"));
    assert.deepEqual(interrupted, [], "the refusal never interrupted provisioning");
  });
});

const REQUESTERS = 40;
const REPLICAS = 3;

/** The default rule, with `ids` among its requesters too. */
function policyWith(ids: readonly string[]): string {
  return `
accounts:
  - id: "${PROD}"
    name: prod
permissionSets: [ReadOnlyAccess]
rules:
  - name: engineers
    accounts: [prod]
    permissionSets: [ReadOnlyAccess]
    requesters: [${ids.join(", ")}]
    approvers: [${people.bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
`;
}

describe("three replicas approving many requests at once (PostgreSQL)", {
  skip: USES_POSTGRES ? false : "needs JIT_TEST_DATABASE_URL",
}, () => {
  let world: World;
  let url: string;
  let replicas: ChildBot[];
  const ids = Array.from({ length: REQUESTERS }, (_, i) => `U0Q${String(i + 1).padStart(5, "0")}`);

  before(async () => {
    world = await startWorld(policyWith(ids));
    ids.forEach((slackId, i) => {
      const email = `quota${i + 1}@example.com`;
      world.slack.addUser({ id: slackId, email, name: `quota${i + 1}` });
      world.aws.addUser({ email });
    });
    url = postgresUrl(world);
    // Polls at 1, 3 and 7 s: few calls per grant, so at the quota's 20 calls/s creations could start
    // faster than ten 5–6.5 s ones end, and their number outstanding is what binds.
    replicas = await startReplicas(world, REPLICAS, { JIT_AWS_CALLS_PER_SECOND: "20", JIT_AWS_POLL_INTERVAL_MS: "1000" });
  });
  after(async () => {
    await Promise.all((replicas ?? []).map((replica) => replica.kill()));
    await world?.close();
  });

  it(`keeps the creations outstanding at AWS within its quota of ${QUOTA}, every grant ending active`, async () => {
    const replica = (i: number): ChildBot => {
      const chosen = replicas[i % REPLICAS];
      assert.ok(chosen);
      return chosen;
    };
    // Asked a few at a time (a loaded machine answers a command within Slack's 3 s more surely); approved all at once.
    const requests: Requested[] = [];
    for (let start = 0; start < ids.length; start += REPLICAS) {
      const batch = ids.slice(start, start + REPLICAS);
      requests.push(
        ...(await Promise.all(
          batch.map((slackId, k) => request(replica(start + k), world, slackId, `prod ReadOnlyAccess 1h quota ${start + k}`)),
        )),
      );
    }
    world.aws.setRealistic({ operationMs: { min: 5_000, max: 6_500 }, callsPerSecond: 20, maxOutstandingCreations: QUOTA, seed: 42 });
    const clicks = await Promise.all(requests.map((requested, i) => click(replica(i + 1), people.bob.slackId, "jit_approve", requested)));
    assert.ok(clicks.every((c) => c.status === 200));

    await eventually(
      async () => {
        const rows = await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM grants WHERE status = 'active'");
        return (rows[0]?.n ?? 0) >= REQUESTERS;
      },
      90_000,
      "every grant to be active",
    );
    assert.deepEqual(world.aws.quotaViolations, [], "no creation was refused for the quota");
    assert.ok(world.aws.peakOutstandingCreations <= QUOTA, `peak ${world.aws.peakOutstandingCreations}`);
    assert.ok(world.aws.peakOutstandingCreations >= QUOTA / 2, `the replicas used the quota (peak ${world.aws.peakOutstandingCreations})`);
  });
});
