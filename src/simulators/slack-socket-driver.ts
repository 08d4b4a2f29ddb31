// Delivers the same interactions as SlackDriver, but as Slack does to an app in Socket Mode: each one
// is an envelope on the fake's WebSocket, and the app's answer is its ack on that socket rather than
// an HTTP response. Payloads are the very objects the HTTP requests carry, un-form-encoded.

import { FAKE_DEFAULTS } from "./fake-slack.js";
import type { FakeSlack, SendEnvelopeOptions, SocketAck } from "./fake-slack.js";
import { Interactions } from "./slack-interactions.js";
import type { CommandOptions, ResponseUrlTracking } from "./slack-interactions.js";
import {
  appHomeOpenedEvent,
  blockActionPayload,
  eventCallbackPayload,
  homeBlockActionPayload,
  slashCommandPayload,
} from "./slack-payloads.js";

/** What Slack got back from the app for one envelope. */
export interface SocketDelivery extends ResponseUrlTracking {
  /** The app's ack; `payload` is what ack() was given (`{}` for a bare ack()). */
  ack: SocketAck;
  /** trigger_id sent in the payload (valid with the fake's views.open for its TTL). */
  triggerId: string;
}

export interface SocketDriverOptions {
  fake: FakeSlack;
  teamId?: string;
  /** Channel used for slash commands unless overridden. */
  channelId?: string;
  /** How long to wait for each ack (default: the fake's). */
  ackTimeoutMs?: number;
  /** Which open connection receives the envelopes (see SendEnvelopeOptions.connection); default the newest. */
  connection?: number;
}

export class SocketDriver {
  readonly fake: FakeSlack;
  private readonly interactions: Interactions;
  private readonly ackTimeoutMs: number | undefined;
  private readonly connection: number | undefined;
  private readonly teamId: string;

  constructor(opts: SocketDriverOptions) {
    this.fake = opts.fake;
    this.teamId = opts.teamId ?? opts.fake.teamId;
    this.interactions = new Interactions(opts.fake, this.teamId, opts.channelId ?? FAKE_DEFAULTS.channelId);
    this.ackTimeoutMs = opts.ackTimeoutMs;
    this.connection = opts.connection;
  }

  /** A user typing `/jit <text>` (or `extra.command`), delivered as a `slash_commands` envelope. */
  async command(userId: string, text: string, extra: CommandOptions = {}): Promise<SocketDelivery> {
    const { fields, triggerId, tracking } = this.interactions.command(userId, text, extra);
    const ack = await this.fake.sendEnvelope("slash_commands", slashCommandPayload(fields), this.envelopeOptions());
    return { ack, triggerId, ...tracking };
  }

  /** A user clicking a button, delivered as an `interactive` envelope; checked as SlackDriver.click checks it. */
  async click(
    userId: string,
    actionId: string,
    value: string,
    message: { channel: string; ts: string },
    opts: { unchecked?: boolean } = {},
  ): Promise<SocketDelivery> {
    const { fields, triggerId, tracking } = this.interactions.click(userId, actionId, value, message, opts);
    const ack = await this.fake.sendEnvelope("interactive", blockActionPayload(fields), this.envelopeOptions());
    return { ack, triggerId, ...tracking };
  }

  /** An Events API event, as an `events_api` envelope carrying the `event_callback` body. */
  event(event: Record<string, unknown>): Promise<SocketAck> {
    return this.fake.sendEnvelope(
      "events_api",
      eventCallbackPayload({ teamId: this.teamId, apiAppId: this.fake.appId, event }),
      this.envelopeOptions(),
    );
  }

  /** The user opening the app's Home tab. */
  openHome(userId: string): Promise<SocketAck> {
    return this.event(appHomeOpenedEvent(userId, this.fake.dmChannelOf(userId)));
  }

  /** A click on the user's Home tab as last published, as an `interactive` envelope. */
  async clickHome(userId: string, actionId: string, value: string): Promise<{ ack: SocketAck; triggerId: string }> {
    const { fields, triggerId } = this.interactions.homeClick(userId, actionId, value);
    return { ack: await this.fake.sendEnvelope("interactive", homeBlockActionPayload(fields), this.envelopeOptions()), triggerId };
  }

  private envelopeOptions(): SendEnvelopeOptions {
    return {
      ...(this.ackTimeoutMs === undefined ? {} : { timeoutMs: this.ackTimeoutMs }),
      ...(this.connection === undefined ? {} : { connection: this.connection }),
    };
  }
}
