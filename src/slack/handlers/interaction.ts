// Shared plumbing for buttons and modals: the id in a button's value, and replying to the clicker.
import type { BlockAction, ButtonAction, RespondFn } from "@slack/bolt";
import type { ModalView } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { NotFound } from "../../domain/errors.js";
import type { Logger } from "../../services/ports.js";
import { userMessage } from "../views/error-messages.js";

const IDS = { grant: /^jit-[a-z0-9]{8}$/, extension: /^ext-[a-z0-9]{8}$/ } as const;

/** The grant or extension id a button carries; NotFound for anything else (forged or stale payloads). */
export function idFrom(action: ButtonAction, kind: keyof typeof IDS): string {
  return checkedId(action.value, kind);
}

/** An id from a payload (a button's value, a modal's private_metadata), checked before any lookup. */
export function checkedId(value: unknown, kind: keyof typeof IDS): string {
  if (typeof value !== "string" || !IDS[kind].test(value)) throw new NotFound("That does not belong to anything jit-slack knows.");
  return value;
}

export interface ButtonArgs {
  ack: () => Promise<void>;
  body: BlockAction;
  action: ButtonAction;
  respond: RespondFn;
  client: WebClient;
}

/**
 * Lets the requests already waiting be acknowledged before this one's work goes on. The work after
 * an ack (the database, AWS, replies) can wait a moment; Slack's 3-second limit on the ack cannot,
 * and a burst of requests would otherwise each wait for the whole work of every one before it.
 */
export function afterAck(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Acks, runs `work`, and tells only the clicker about a refusal or failure. */
export async function handleButton(logger: Logger, args: ButtonArgs, work: () => Promise<string | void>): Promise<void> {
  await args.ack();
  await afterAck();
  await replyToClicker(logger, args, work);
}

/**
 * For a click that decides something (Approve, an extension's Approve or Deny, Acknowledge): the
 * decision is written before the ack (see recordBeforeAck), what follows from it after, and only
 * the clicker hears about a refusal or failure.
 */
export async function handleDecisionButton(
  logger: Logger,
  args: ButtonArgs,
  record: () => Promise<() => Promise<string | void>>,
): Promise<void> {
  const recorded = recordBeforeAck(args.ack, record);
  await replyToClicker(logger, args, async () => (await recorded)());
}

async function replyToClicker(logger: Logger, args: ButtonArgs, work: () => Promise<string | void>): Promise<void> {
  let text: string | void;
  try {
    text = await work();
  } catch (error) {
    text = userMessage(error, logger, { user: args.body.user.id, action: args.action.action_id });
  }
  if (!text) return;
  // A button on a message answers in its channel, to the clicker alone. One on the Home tab (or in a
  // modal) has no message and Slack gives it no response_url (Bolt then gives no respond): there the
  // answer goes as a direct message.
  if (typeof args.body.response_url === "string" && args.body.response_url !== "") {
    await args.respond({ response_type: "ephemeral", replace_original: false, text });
  } else {
    await tellDirectly(args.client, args.body.user.id, text);
  }
}

/**
 * Opens `first` with the trigger at once, then replaces it with what `next` decides: a trigger_id
 * expires 3 s after the click, and `next` may wait on Slack or the database for longer.
 */
export async function openThenShow(client: WebClient, triggerId: string, first: ModalView, next: () => Promise<ModalView>): Promise<void> {
  const opened = await client.views.open({ trigger_id: triggerId, view: first });
  const viewId = opened.view?.id;
  if (!viewId) throw new Error("views.open returned no view id");
  const view = await next();
  await client.views.update({ view_id: viewId, ...(opened.view?.hash ? { hash: opened.view.hash } : {}), view });
}

/**
 * Slack takes our 200 as "done": a click acknowledged and then lost in a crash is a decision the
 * approver saw go through and nobody has. So `record` (the decision's checks and its one small
 * transaction) runs before the ack, and what follows from it (messages, AWS) after. The ack must
 * still reach Slack within 3 seconds or the clicker sees an error although the decision may go
 * through (https://docs.slack.dev/tools/java-slack-sdk/guides/interactive-components): when
 * recording takes longer than RECORD_BEFORE_ACK_MS (a transaction waiting on a lock, a slow user
 * lookup) the ack goes regardless, and the recording carries on. Resolves as the recording does.
 */
export async function recordBeforeAck<T>(ack: () => Promise<void>, record: () => Promise<T>): Promise<T> {
  const recording = (async () => record())();
  await settledWithin(recording, RECORD_BEFORE_ACK_MS);
  await ack();
  await afterAck();
  return recording;
}

/** How long a decision may take to be written before its click is acknowledged anyway; Slack allows 3 s in all. */
export const RECORD_BEFORE_ACK_MS = 2_000;

async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([promise.then(noop, noop), late]);
  } finally {
    clearTimeout(timer);
  }
}

function noop(): void {}

/** After a modal has closed there is no response_url: refusals go to the person as a direct message. */
export async function tellDirectly(client: WebClient, userId: string, text: string): Promise<void> {
  const opened = await client.conversations.open({ users: userId });
  if (opened.channel?.id) await client.chat.postMessage({ channel: opened.channel.id, text });
}
