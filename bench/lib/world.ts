// The end-to-end test world (fake Slack and fake AWS on loopback, policy, env) with as many extra
// requesters as a benchmark needs, each a Slack user and an Identity Center user.
import { rmSync } from "node:fs";
import { APPROVALS, DEFAULT_POLICY, people, PROD, SANDBOX, startWorld, type World, type WorldSetup } from "../../test/support/world.js";

export interface Requester {
  readonly slackId: string;
  readonly email: string;
  /** The Identity Center user id the fake AWS gave this person. */
  readonly principalId: string;
}

export interface BenchWorld {
  readonly world: World;
  readonly requesters: readonly Requester[];
  /** Environment for the bot: the test world's, with info logs (the ready line is logged at info). */
  env(overrides?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/**
 * Alice, Bob and the other test people, plus `count` requesters who may ask under the one rule; or,
 * given a policy, that policy.
 */
export async function startBenchWorld(count: number, policy?: string, setup?: WorldSetup): Promise<BenchWorld> {
  const ids = Array.from({ length: count }, (_, i) => `U0B${String(i + 1).padStart(5, "0")}`);
  const world = await startWorld(policy ?? (count === 0 ? DEFAULT_POLICY : policyWith(ids)), setup);
  const requesters = ids.map((slackId, i) => {
    const email = `bench${i + 1}@example.com`;
    world.slack.addUser({ id: slackId, email, name: `bench${i + 1}` });
    return { slackId, email, principalId: world.aws.addUser({ email }) };
  });
  return {
    world,
    requesters,
    env: (overrides = {}) => world.env({ LOG_LEVEL: "info", ...overrides }),
    async close() {
      await world.close();
      rmSync(world.dir, { recursive: true, force: true });
    },
  };
}

function policyWith(requesterIds: readonly string[]): string {
  return `
accounts:
  - id: "${PROD}"
    name: prod
  - id: "${SANDBOX}"
    name: sandbox
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: engineers
    accounts: [prod, sandbox]
    permissionSets: [AdministratorAccess, ReadOnlyAccess]
    requesters: [${[people.alice.slackId, ...requesterIds].join(", ")}]
    approvers: [${people.bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
`;
}
