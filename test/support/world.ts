// A small world for end-to-end tests: fake Slack and fake AWS on 127.0.0.1, people in both,
// a policy file, a database of its own (a SQLite file, or a fresh PostgreSQL database when
// JIT_TEST_DATABASE_URL names a server), and the env that points the bot at all of it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsClientEnv, startFakeAws, type FakeAws } from "../../src/simulators/fake-aws.js";
import { startFakeSlack, type FakeSlack } from "../../src/simulators/fake-slack.js";
import { createTestDatabase, TEST_SERVER_URL } from "./test-database.js";

export const SIGNING_SECRET = "test-signing-secret";
export const APPROVALS = "C0APPROVALS";
export const AUDIT = "C0AUDIT";
export const PORTAL = "https://d-1234567890.awsapps.com/start";
export const PROD = "111122223333";
export const SANDBOX = "444455556666";

export const people = {
  alice: { slackId: "U0ALICE", email: "alice@example.com" }, // requester
  carol: { slackId: "U0CAROL", email: "carol@example.com" }, // requester listed by email
  bob: { slackId: "U0BOB", email: "bob@example.com" }, // approver by Slack id
  dave: { slackId: "U0DAVE", email: "dave@example.com" }, // approver by email
  mallory: { slackId: "U0MALLORY", email: "mallory@example.com" }, // nobody in the policy
  erin: { slackId: "U0ERIN", email: "erin@example.com" }, // may request, but has no Identity Center user
} as const;

export const DEFAULT_POLICY = `
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
    requesters: [${people.alice.slackId}, ${people.carol.email}, ${people.erin.slackId}]
    approvers: [${people.bob.slackId}, ${people.dave.email}, ${people.alice.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
`;

/** Where a world's bot keeps its data: the shape of the bot's own database configuration. */
export type WorldDatabase = { readonly kind: "sqlite"; readonly file: string } | { readonly kind: "postgres"; readonly url: string };

/** Whether this run's worlds keep their data in PostgreSQL (the suite's second leg). */
export const USES_POSTGRES = TEST_SERVER_URL !== undefined;

export interface World {
  readonly slack: FakeSlack;
  readonly aws: FakeAws;
  readonly dir: string;
  readonly policyFile: string;
  readonly database: WorldDatabase;
  /** The SQLite file, for SQLite-only tests and the benchmarks; throws in a PostgreSQL world. */
  readonly databaseFile: string;
  readonly principals: Readonly<Record<"alice" | "carol", string>>;
  readonly permissionSets: Readonly<Record<"AdministratorAccess" | "ReadOnlyAccess", string>>;
  /**
   * Environment for the bot: Slack, AWS endpoints, files, database. An override of DATABASE_URL or
   * JIT_DATABASE_FILE replaces the world's database rather than adding a second one.
   */
  env(overrides?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/** What a test sets up in the fake AWS before its bot starts. */
export interface WorldSetup {
  /** A permission set's SessionDuration (ISO 8601; the fake's default is PT1H). */
  readonly sessionDurations?: Partial<Record<"AdministratorAccess" | "ReadOnlyAccess", string>>;
  /** Anything else, on the started fakes. */
  readonly prepare?: (world: World) => void;
}

export async function startWorld(policy: string = DEFAULT_POLICY, setup: WorldSetup = {}): Promise<World> {
  const slack = await startFakeSlack();
  const aws = await startFakeAws();
  for (const person of Object.values(people)) {
    slack.addUser({ id: person.slackId, email: person.email, name: person.email.split("@")[0] });
  }
  const principals = {
    alice: aws.addUser({ email: people.alice.email }),
    carol: aws.addUser({ email: people.carol.email }),
  };
  const permissionSets = {
    AdministratorAccess: aws.addPermissionSet("AdministratorAccess", { sessionDuration: setup.sessionDurations?.AdministratorAccess }),
    ReadOnlyAccess: aws.addPermissionSet("ReadOnlyAccess", { sessionDuration: setup.sessionDurations?.ReadOnlyAccess }),
  };
  aws.setInProgressPolls(1);
  const dir = mkdtempSync(join(tmpdir(), "jit-slack-e2e-"));
  const policyFile = join(dir, "policy.yaml");
  writeFileSync(policyFile, policy);
  const postgres = TEST_SERVER_URL ? await createTestDatabase(TEST_SERVER_URL) : undefined;
  const database: WorldDatabase = postgres ? { kind: "postgres", url: postgres.url } : { kind: "sqlite", file: join(dir, "jit.sqlite") };
  const databaseEnv = (overrides: Record<string, string>): Record<string, string> => {
    if (overrides.DATABASE_URL !== undefined || overrides.JIT_DATABASE_FILE !== undefined) return {};
    // The suite's server is reached as its superuser, which could alter the audit trail; the bot is
    // told to start anyway (test/e2e/least-privilege.test.ts runs it as a role that cannot).
    return database.kind === "postgres"
      ? { DATABASE_URL: database.url, JIT_ALLOW_PRIVILEGED_DATABASE_ROLE: "true" }
      : { JIT_DATABASE_FILE: database.file };
  };
  const world: World = {
    slack,
    aws,
    dir,
    policyFile,
    database,
    get databaseFile() {
      if (database.kind !== "sqlite") throw new Error("this world keeps its data in PostgreSQL, not in a SQLite file");
      return database.file;
    },
    principals,
    permissionSets,
    env: (overrides = {}) => ({
      ...awsClientEnv(aws),
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: "0",
      JIT_POLICY_FILE: policyFile,
      ...databaseEnv(overrides),
      JIT_AUDIT_CHANNEL: AUDIT,
      JIT_ACCESS_PORTAL_URL: PORTAL,
      JIT_SWEEP_INTERVAL_SECONDS: "1",
      JIT_AWS_POLL_INTERVAL_MS: "10",
      LOG_LEVEL: "warn",
      // /readyz and /metrics have a port of their own (8080 by default): any free one, so bots never fight over it.
      JIT_HEALTH_PORT: "0",
      ...overrides,
    }),
    async close() {
      await Promise.all([slack.close(), aws.close(), postgres?.drop()]);
    },
  };
  setup.prepare?.(world);
  return world;
}
