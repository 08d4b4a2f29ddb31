// What the page shows, read from the simulators and the bot's store: the channels, each person's
// DM and what only they can see, their open modal, and the simulated AWS assignments with the
// expiry of the grant that holds each.
import type { FenceEntries, GrantStore } from "../services/ports.js";
import type { FakeAws } from "../simulators/fake-aws.js";
import type { FakeMessage, FakeSlack, FakeView } from "../simulators/fake-slack.js";
import { DEMO_ACCOUNTS, DEMO_APPROVERS_CHANNEL, DEMO_AUDIT_CHANNEL, DEMO_PEOPLE, type DemoNames } from "./organisation.js";

/** A reply only one person sees: an ephemeral message, a response_url post, or a command's ack. */
export interface PrivateReply {
  readonly user: string;
  readonly channel: string;
  readonly at: number;
  readonly text: string;
  readonly blocks: unknown[];
}

export interface DemoSources {
  readonly slack: FakeSlack;
  readonly aws: FakeAws;
  readonly grants: GrantStore;
  /** The bot's session fence entries: whose role sessions its service control policies deny. */
  readonly fence: FenceEntries;
  readonly names: DemoNames;
}

interface ShownMessage {
  readonly channel: string;
  readonly ts: string;
  readonly text: string;
  readonly blocks: unknown[];
  readonly threadTs: string | undefined;
  readonly edited: boolean;
}

function shown(message: FakeMessage): ShownMessage {
  return {
    channel: message.channel,
    ts: message.ts,
    text: message.text ?? "",
    blocks: message.blocks ?? [],
    threadTs: message.threadTs,
    edited: message.edited !== undefined,
  };
}

const byTs = (a: FakeMessage, b: FakeMessage) => Number(a.ts) - Number(b.ts);

function messagesOf(slack: FakeSlack, channel: string): ShownMessage[] {
  return [...slack.messages.values()]
    .filter((message) => message.channel === channel)
    .sort(byTs)
    .map(shown);
}

function modalOf(view: FakeView | undefined, closed: ReadonlySet<string>, errors: ReadonlyMap<string, unknown>) {
  if (view === undefined || closed.has(view.id)) return null;
  return { id: view.id, view: view.view, blocks: view.blocks, errors: errors.get(view.id) ?? null };
}

export async function workspaceState(
  sources: DemoSources,
  replies: readonly PrivateReply[],
  closedViews: ReadonlySet<string>,
  viewErrors: ReadonlyMap<string, unknown>,
) {
  const { slack, aws, grants, names } = sources;
  const active = await grants.listByStatus(["active", "revoking"]);
  const accountName = (id: string) => DEMO_ACCOUNTS.find((account) => account.id === id)?.name ?? id;
  const assignments = aws.assignments().map((assignment) => {
    const permissionSet = names.permissionSets.get(assignment.permissionSetArn) ?? assignment.permissionSetArn;
    const grant = active.find(
      (candidate) =>
        candidate.accountId === assignment.accountId &&
        candidate.permissionSetName === permissionSet &&
        candidate.principalId === assignment.principalId,
    );
    return {
      account: `${accountName(assignment.accountId)} (${assignment.accountId})`,
      permissionSet,
      person: names.principals.get(assignment.principalId)?.key ?? assignment.principalId,
      expiresAt: grant?.expiresAt ?? null,
      status: grant?.status ?? "not held by a grant",
    };
  });
  const people = DEMO_PEOPLE.map((person) => {
    const dm = slack.dmChannelOf(person.slackId);
    const ephemerals = slack.ephemerals
      .filter((ephemeral) => ephemeral.user === person.slackId)
      .map((ephemeral) => ({
        channel: ephemeral.channel,
        at: Number(ephemeral.ts) * 1000,
        text: ephemeral.text ?? "",
        blocks: ephemeral.blocks ?? [],
      }));
    return {
      ...person,
      dm,
      dmMessages: messagesOf(slack, dm),
      private: [...ephemerals, ...replies.filter((reply) => reply.user === person.slackId)].sort((a, b) => a.at - b.at),
      modal: modalOf(slack.lastView({ userId: person.slackId }), closedViews, viewErrors),
    };
  });
  return {
    now: Date.now(),
    channels: [
      { id: DEMO_APPROVERS_CHANNEL, name: "jit-approvals", messages: messagesOf(slack, DEMO_APPROVERS_CHANNEL) },
      { id: DEMO_AUDIT_CHANNEL, name: "jit-audit", messages: messagesOf(slack, DEMO_AUDIT_CHANNEL) },
    ],
    people,
    aws: { assignments, fence: await fenceShown(sources, accountName) },
  };
}

/** Each fence entry: whose sessions on which role are denied if issued before when, and until when it stays. */
async function fenceShown(sources: DemoSources, accountName: (id: string) => string) {
  const entries = await sources.fence.all();
  return entries
    .sort((a, b) => b.fencedAt - a.fencedAt)
    .map((entry) => ({
      person: [...sources.names.principals].find(([principalId]) => principalId === entry.principalId)?.[1].key ?? entry.principalId,
      account: `${accountName(entry.accountId)} (${entry.accountId})`,
      permissionSet: entry.permissionSetName,
      fencedBefore: entry.fencedAt,
      liftAt: entry.liftAt,
    }));
}
