// What a person does on the page, sent to the bot exactly as Slack would send it: signed slash
// commands, button clicks and modal submissions (src/simulators' builders), and what comes back
// to that person alone kept as their private replies.
import type { FakeSlack } from "../simulators/fake-slack.js";
import type { DeliveryWithResponseUrl, SignedPost, SlackDriver } from "../simulators/slack-requests.js";
import { viewSelectBody } from "../simulators/slack-view-actions.js";
import { DEMO_PEOPLE } from "./organisation.js";
import type { PrivateReply } from "./workspace-state.js";

type Values = Record<string, Record<string, unknown>>;

export class DemoActions {
  readonly replies: PrivateReply[] = [];
  readonly closedViews = new Set<string>();
  readonly viewErrors = new Map<string, unknown>();
  /** response_url keys whose posts become private replies, with whom and where. */
  private readonly tracked = new Map<string, { user: string; channel: string }>();
  private seenResponses = 0;

  constructor(
    private readonly slack: FakeSlack,
    private readonly driver: SlackDriver,
  ) {}

  /** Only the demo's people act. */
  person(id: unknown): string {
    const person = DEMO_PEOPLE.find((candidate) => candidate.slackId === id);
    if (person === undefined) throw new RangeError("not one of the demo's people");
    return person.slackId;
  }

  async command(user: string, channel: string, text: string): Promise<void> {
    const words = text.trim().replace(/^\/jit\b\s*/, "");
    const delivery = await this.driver.command(user, words, { channelId: channel });
    this.track(user, channel, delivery);
  }

  async click(user: string, message: { channel: string; ts: string }, actionId: string, value: string): Promise<void> {
    const delivery = await this.driver.click(user, actionId, value, message);
    this.track(user, message.channel, delivery);
  }

  async select(user: string, viewId: string, blockId: string, actionId: string, value: string, values: Values): Promise<void> {
    const view = this.slack.views.get(viewId);
    if (view === undefined || view.userId !== user) throw new RangeError("no such form open for this person");
    const body = viewSelectBody({
      userId: user,
      userName: this.slack.users.get(user)?.name ?? user,
      teamId: this.slack.teamId,
      triggerId: this.slack.issueTriggerId(user),
      view,
      blockId,
      actionId,
      value,
      values,
    });
    await this.driver.post(body);
  }

  async submit(user: string, viewId: string, values: Values): Promise<void> {
    const { response } = await this.driver.submitView(user, viewId, values);
    const answer = jsonOf(response);
    if (answer?.response_action === "errors") {
      this.viewErrors.set(viewId, answer.errors);
      return;
    }
    this.viewErrors.delete(viewId);
    this.closedViews.add(viewId);
  }

  close(user: string, viewId: string): void {
    const view = this.slack.views.get(viewId);
    if (view?.userId === user) this.closedViews.add(viewId);
  }

  /** Picks up response_url posts that only the person who acted sees. */
  collect(): void {
    const fresh = this.slack.responses.slice(this.seenResponses);
    this.seenResponses = this.slack.responses.length;
    for (const response of fresh) {
      const to = this.tracked.get(response.key);
      const body = response.body;
      if (to === undefined || body.replace_original === true || body.delete_original === true || body.response_type === "in_channel") {
        continue;
      }
      this.reply(to.user, to.channel, body);
    }
  }

  private track(user: string, channel: string, delivery: DeliveryWithResponseUrl): void {
    this.tracked.set(delivery.responseKey, { user, channel });
    const ack = jsonOf(delivery.response);
    if (ack !== undefined) this.reply(user, channel, ack);
    else if (delivery.response.status === 200 && delivery.response.body !== "") this.reply(user, channel, { text: delivery.response.body });
  }

  private reply(user: string, channel: string, body: Record<string, unknown>): void {
    this.replies.push({
      user,
      channel,
      at: Date.now(),
      text: typeof body.text === "string" ? body.text : "",
      blocks: Array.isArray(body.blocks) ? body.blocks : [],
    });
  }
}

function jsonOf(response: SignedPost): Record<string, unknown> | undefined {
  if (!response.headers["content-type"]?.includes("json") || response.body === "") return undefined;
  const parsed: unknown = JSON.parse(response.body);
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}
