// The demo's sample organisation: three people in the simulated Slack workspace and Identity
// Center, three accounts, three permission sets, and the policy that connects them.
import type { FakeAws } from "../simulators/fake-aws.js";
import type { FakeSlack } from "../simulators/fake-slack.js";

export const DEMO_APPROVERS_CHANNEL = "C0DEMOAPPROVE";
export const DEMO_AUDIT_CHANNEL = "C0DEMOAUDIT";

export interface DemoPerson {
  readonly key: string;
  readonly slackId: string;
  readonly email: string;
  readonly name: string;
  readonly role: string;
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { key: "alice", slackId: "U0DEMOALICE", email: "alice@demo.example", name: "Alice", role: "engineer" },
  { key: "bob", slackId: "U0DEMOBOB", email: "bob@demo.example", name: "Bob", role: "approver" },
  { key: "admin", slackId: "U0DEMOADMIN", email: "admin@demo.example", name: "Ada (admin)", role: "admin" },
];

export const DEMO_ACCOUNTS = [
  { id: "111100000001", name: "sandbox" },
  { id: "111100000002", name: "staging" },
  { id: "111100000003", name: "production" },
] as const;

export const DEMO_PERMISSION_SETS = ["ReadOnlyAccess", "PowerUserAccess", "AdministratorAccess"] as const;

const [alice, bob, admin] = DEMO_PEOPLE.map((person) => person.slackId);

/** Short maximums so an expiry can be watched: "/jit request sandbox ReadOnlyAccess 30s …". */
export const DEMO_POLICY = `# The demo's policy (src/demo/organisation.ts). Durations in seconds work in the demo only.
admins: [${admin}]
# When a grant ends, the user's role sessions opened before then are denied too (service control
# policies in the simulated AWS Organizations): watch the fence in the AWS panel.
sessionFence:
  mode: scp
accounts:
${DEMO_ACCOUNTS.map((account) => `  - id: "${account.id}"\n    name: ${account.name}`).join("\n")}
permissionSets: [${DEMO_PERMISSION_SETS.join(", ")}]
rules:
  - name: engineers
    accounts: [sandbox, staging]
    permissionSets: [ReadOnlyAccess, PowerUserAccess]
    requesters: [${alice}, ${bob}]
    approvers: [${bob}, ${alice}]
    approverChannel: ${DEMO_APPROVERS_CHANNEL}
    maxDuration: 2h
    warnBeforeExpiry: 10s
  - name: production
    accounts: [production]
    permissionSets: [ReadOnlyAccess, AdministratorAccess]
    requesters: [${alice}, ${bob}]
    approvers: [${bob}, ${admin}]
    approverChannel: ${DEMO_APPROVERS_CHANNEL}
    maxDuration: 1h
    justificationMinLength: 10
    warnBeforeExpiry: 10s
`;

/** What the AWS panel names things by: permission set names by ARN, people by Identity Center user id. */
export interface DemoNames {
  readonly permissionSets: ReadonlyMap<string, string>;
  readonly principals: ReadonlyMap<string, DemoPerson>;
}

/** The people in Slack and Identity Center, and the permission sets. */
export function seedOrganisation(slack: FakeSlack, aws: FakeAws): DemoNames {
  const principals = new Map<string, DemoPerson>();
  for (const person of DEMO_PEOPLE) {
    slack.addUser({ id: person.slackId, email: person.email, name: person.key, realName: person.name });
    principals.set(aws.addUser({ email: person.email, userName: person.key }), person);
  }
  const permissionSets = new Map(DEMO_PERMISSION_SETS.map((name) => [aws.addPermissionSet(name, { description: `${name} (demo)` }), name]));
  return { permissionSets, principals };
}
