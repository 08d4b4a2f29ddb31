// What a person does in Slack, whichever way it then reaches the app (signed HTTP or Socket Mode):
// each interaction carries a fresh trigger_id issued by the fake and a fresh response_url on the
// fake, so a test can await the app's response_url posts.

import { randomBytes } from "node:crypto";
import type { FakeResponse, FakeSlack } from "./fake-slack.js";
import { findButtons } from "./slack-payloads.js";
import type { BlockActionFields, HomeActionFields, SlashCommandFields } from "./slack-payloads.js";

/** The response_url an interaction carried, and what the app has posted to it. */
export interface ResponseUrlTracking {
  responseKey: string;
  responseUrl: string;
  /** Posts the app has made to this response_url so far. */
  responses(): FakeResponse[];
  /** Waits for the app's `index`-th (default first) post to this response_url. */
  waitForResponse(opts?: { index?: number; timeoutMs?: number }): Promise<FakeResponse>;
}

export interface Prepared<F> {
  fields: F;
  /** trigger_id sent in the payload (valid with the fake's views.open for its TTL). */
  triggerId: string;
  tracking: ResponseUrlTracking;
}

export interface CommandOptions {
  command?: string;
  channelId?: string;
  channelName?: string;
}

export interface UserIdentity {
  teamId: string;
  teamDomain: string;
  userName: string;
  apiAppId: string;
}

export class Interactions {
  private seq = 0;

  constructor(
    private readonly fake: FakeSlack,
    private readonly teamId: string,
    private readonly channelId: string,
  ) {}

  identity(userId: string): UserIdentity {
    return {
      teamId: this.teamId,
      teamDomain: this.fake.teamDomain,
      userName: this.fake.users.get(userId)?.name ?? userId.toLowerCase(),
      apiAppId: this.fake.appId,
    };
  }

  /** A user typing `/jit <text>` (or `extra.command`). */
  command(userId: string, text: string, extra: CommandOptions = {}): Prepared<SlashCommandFields> {
    const channelId = extra.channelId ?? this.channelId;
    const tracking = this.newResponseUrl("command", { channel: channelId });
    const triggerId = this.fake.issueTriggerId(userId);
    const fields: SlashCommandFields = {
      ...this.identity(userId),
      userId,
      text,
      channelId,
      responseUrl: tracking.responseUrl,
      triggerId,
      ...(extra.command !== undefined ? { command: extra.command } : {}),
      ...(extra.channelName !== undefined ? { channelName: extra.channelName } : {}),
    };
    return { fields, triggerId, tracking };
  }

  /**
   * A user clicking a button on a message the app posted. The message must exist in the fake and
   * contain a button with this action_id and value (its block_id and label are taken from there);
   * pass `{ unchecked: true }` to send the click regardless (e.g. for a since-deleted message).
   */
  click(
    userId: string,
    actionId: string,
    value: string,
    message: { channel: string; ts: string },
    opts: { unchecked?: boolean } = {},
  ): Prepared<BlockActionFields> {
    const stored = this.fake.messages.get(`${message.channel}:${message.ts}`);
    const button = stored ? findButtons(stored.blocks).find((b) => b.actionId === actionId && b.value === value) : undefined;
    if (!opts.unchecked) {
      if (stored === undefined) throw new Error(`click: no message ${message.channel}:${message.ts} in the fake`);
      if (button === undefined) {
        const available = findButtons(stored.blocks).map((b) => `${b.actionId}=${b.value}`);
        throw new Error(
          `click: no button ${actionId}=${value} on ${message.channel}:${message.ts}; ` + `buttons: ${available.join(", ") || "none"}`,
        );
      }
    }
    const tracking = this.newResponseUrl("click", message);
    const triggerId = this.fake.issueTriggerId(userId);
    const fields: BlockActionFields = {
      ...this.identity(userId),
      userId,
      actionId,
      value,
      channelId: message.channel,
      messageTs: message.ts,
      responseUrl: tracking.responseUrl,
      triggerId,
      ...(button ? { blockId: button.blockId, actionText: button.text } : {}),
      ...(stored ? { message: { text: stored.text ?? "", blocks: stored.blocks ?? [], user: stored.user } } : {}),
    };
    return { fields, triggerId, tracking };
  }

  /** A user clicking a button on their Home tab as last published; the button must be on it. */
  homeClick(userId: string, actionId: string, value: string): { fields: HomeActionFields; triggerId: string } {
    const home = this.fake.homes.get(userId);
    if (home === undefined) throw new Error(`homeClick: nothing was published to ${userId}'s Home tab`);
    const button = findButtons(home.blocks).find((b) => b.actionId === actionId && b.value === value);
    if (button === undefined) {
      const available = findButtons(home.blocks).map((b) => `${b.actionId}=${b.value}`);
      throw new Error(`homeClick: no button ${actionId}=${value} on ${userId}'s Home tab; buttons: ${available.join(", ") || "none"}`);
    }
    const triggerId = this.fake.issueTriggerId(userId);
    const fields: HomeActionFields = {
      ...this.identity(userId),
      userId,
      actionId,
      value,
      blockId: button.blockId,
      ...(button.text !== undefined ? { actionText: button.text } : {}),
      view: home.view,
      triggerId,
    };
    return { fields, triggerId };
  }

  private newResponseUrl(kind: string, origin: { channel: string; ts?: string }): ResponseUrlTracking {
    const key = `${kind}-${++this.seq}-${randomBytes(3).toString("hex")}`;
    const fake = this.fake;
    const responses = (): FakeResponse[] => fake.responses.filter((r) => r.key === key);
    return {
      responseKey: key,
      responseUrl: fake.responseUrl(key, origin),
      responses,
      waitForResponse: ({ index = 0, timeoutMs }: { index?: number; timeoutMs?: number } = {}) =>
        fake.waitFor(() => responses()[index], timeoutMs, `response_url post #${index + 1} to ${key}`),
    };
  }
}
