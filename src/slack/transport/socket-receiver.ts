// Socket Mode's front door: envelopes on the socket get the shape check the HTTP receiver makes
// (there is no signature to check: the socket itself was opened with the app-level token).
import { SocketModeReceiver, type App, type ReceiverEvent, type SocketModeReceiverOptions } from "@slack/bolt";
import type { Logger } from "../../services/ports.js";
import { payloadProblem } from "./payload-shape.js";

export class GuardedSocketModeReceiver extends SocketModeReceiver {
  constructor(
    options: SocketModeReceiverOptions,
    private readonly jitLogger: Logger,
  ) {
    super(options);
  }

  /** Bolt's receiver hands each envelope to `app.processEvent`; this app screens it first. */
  override init(app: App): void {
    const processEvent = app.processEvent.bind(app);
    const screened = Object.create(app) as App;
    screened.processEvent = (event: ReceiverEvent) => this.screen(event, processEvent);
    super.init(screened);
  }

  /**
   * A payload Bolt could not handle is acknowledged and dropped: Slack would only deliver it again,
   * and over HTTP it would have been answered 400.
   */
  private async screen(event: ReceiverEvent, processEvent: (event: ReceiverEvent) => Promise<void>): Promise<void> {
    const problem = payloadProblem(event.body);
    if (problem === undefined) return processEvent(event);
    this.jitLogger.warn({ problem }, "dropped a Socket Mode payload of an unexpected shape");
    await event.ack();
  }
}
