// `/jit …`: help and list (a page at a time) answer in the ack itself; everything else acks at once,
// then hands off to a service and answers the caller ephemerally through response_url.
import type { App, RespondArguments } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { OPEN_STATUSES } from "../../domain/grant.js";
import { indexedTargets } from "../../domain/eligible-targets.js";
import { isAdmin } from "../../domain/policy.js";
import type { ServiceDeps } from "../../services/deps.js";
import { endGrant } from "../../services/end-grant.js";
import { requestExtension } from "../../services/extend.js";
import { requestAccess } from "../../services/request-access.js";
import { unreviewedBreakGlass } from "../../services/review.js";
import { unreviewedActivity } from "../../services/activity-review.js";
import { storedDigest } from "../../services/activity-digest.js";
import { withDigestsToReview } from "../views/activity-review-list.js";
import { BUSY_MESSAGE, REFUSED_AS_BUSY, type Admission, type Release } from "../transport/admission.js";
import { requestConfirmation } from "../views/blocks.js";
import { parseJitCommand, type JitCommand } from "./command-parser.js";
import { userMessage } from "../views/error-messages.js";
import { endResultText, extensionResultText } from "../views/outcome-text.js";
import { grantList, LISTED_AT_MOST, reviewList } from "../views/grant-list.js";
import { helpText } from "../views/help-text.js";
import { afterAck, tellDirectly } from "./interaction.js";
import { openRequestForm } from "./request-form.js";
import { openRevokeAll } from "./revoke-all.js";

/**
 * How long a help or list answer may take and still go in the ack: one HTTP answer instead of an ack
 * plus a response_url call. A slower one (a user lookup Slack is slow to answer, a busy database)
 * lets the ack go empty, well inside Slack's 3 s, and follows through response_url.
 */
const ANSWER_IN_ACK_MS = 1_500;

type Lookup = Extract<JitCommand, { kind: "help" | "list" }>;
type Work = Exclude<JitCommand, Lookup>;

/** What adds work that is stored and posted after the ack; ending access is never held back. */
const ADMITTED: ReadonlySet<Work["kind"]> = new Set(["request", "extend"]);

export function registerCommand(app: App, deps: ServiceDeps, admission: Admission): void {
  app.command("/jit", async ({ command, ack, respond, client }) => {
    let parsed: JitCommand;
    try {
      parsed = parseJitCommand(command.text);
    } catch (error) {
      await ack({ response_type: "ephemeral", text: userMessage(error, deps.logger, { user: command.user_id }) });
      return;
    }
    const context = { user: command.user_id, command: parsed.kind };
    // A reply Slack would not take (response_url rate-limited or expired) goes as a direct message
    // instead, and is never mistaken for the command itself failing.
    const reply: Reply = async (message) => {
      try {
        await respond(message);
      } catch (error) {
        deps.logger.warn({ ...context, err: (error as Error).message }, "response_url refused the reply; sending it directly");
        const text = message.text ?? "";
        await tellDirectly(client, command.user_id, text).catch(() => undefined);
      }
    };
    if (parsed.kind === "help" || parsed.kind === "list") {
      const answer = lookup(deps, parsed, command.user_id).catch(
        (error: unknown): RespondArguments => ({ response_type: "ephemeral", text: userMessage(error, deps.logger, context) }),
      );
      const inTime = await within(answer, ANSWER_IN_ACK_MS);
      if (inTime) return void (await ack(inTime));
      await ack();
      return void (await reply(await answer));
    }
    let release: Release | undefined;
    if (ADMITTED.has(parsed.kind)) {
      release = await admission.enter();
      if (!release) {
        deps.logger.warn({ ...context, inProgress: admission.inProgress }, REFUSED_AS_BUSY);
        return void (await ack({ response_type: "ephemeral", text: `:hourglass: ${BUSY_MESSAGE}` }));
      }
    }
    try {
      await ack();
      await afterAck();
      await run(deps, parsed, { userId: command.user_id, teamId: command.team_id, triggerId: command.trigger_id, respond: reply, client });
    } catch (error) {
      await reply({ response_type: "ephemeral", text: userMessage(error, deps.logger, context) });
    } finally {
      release?.();
    }
  });
}

type Reply = (message: RespondArguments) => Promise<void>;

interface Caller {
  readonly userId: string;
  readonly teamId: string;
  readonly triggerId: string;
  readonly respond: Reply;
  readonly client: WebClient;
}

/** The promise's value if it settles within `ms`, else undefined (it goes on regardless). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Break-glass grants to acknowledge (the admin check is there), then the activity digests to review. */
async function reviewWithDigests(deps: ServiceDeps, userId: string, page: number | undefined) {
  const list = reviewList(await unreviewedBreakGlass(deps, userId, LISTED_AT_MOST), deps.policy.accounts, page);
  const digests = (await unreviewedActivity(deps, LISTED_AT_MOST)).map((entry) => ({ ...entry, digest: storedDigest(entry.job) }));
  return withDigestsToReview(list, digests, deps.policy.accounts);
}

async function lookup(deps: ServiceDeps, command: Lookup, userId: string): Promise<RespondArguments> {
  if (command.kind === "help") {
    const person = await deps.directory.person(userId, "display");
    const eligible = indexedTargets(deps.policy, person);
    return { response_type: "ephemeral", ...helpText(eligible, isAdmin(deps.policy, person), person, command.page) };
  }
  const message = command.review
    ? await reviewWithDigests(deps, userId, command.page)
    : grantList(
        await deps.store.listForRequester(userId, OPEN_STATUSES, LISTED_AT_MOST),
        deps.policy.accounts,
        deps.clock.now(),
        command.page,
      );
  return { response_type: "ephemeral", ...message };
}

async function run(deps: ServiceDeps, command: Work, caller: Caller): Promise<void> {
  const say = (text: string) => caller.respond({ response_type: "ephemeral", text });
  const accounts = deps.policy.accounts;
  switch (command.kind) {
    case "form":
      return openRequestForm(deps, caller.client, caller.userId, caller.triggerId);
    case "revoke":
      return void (await say(endResultText(await endGrant(deps, { grantId: command.grantId, actorId: caller.userId }), accounts)));
    case "revoke-all":
      return openRevokeAll(deps, caller.client, caller, command.scope, say);
    case "extend": {
      const result = await requestExtension(deps, { grantId: command.grantId, requesterId: caller.userId, duration: command.duration });
      return void (await say(extensionResultText(result, accounts)));
    }
    case "request": {
      const { account, permissionSet, duration, justification, ticket, group } = command;
      const grants = await requestAccess(deps, {
        requesterId: caller.userId,
        teamId: caller.teamId,
        accounts: [account],
        permissionSets: [permissionSet],
        duration,
        justification,
        ticket,
        ...(group !== null ? { group } : {}),
      });
      for (const grant of grants) deps.logger.info({ grantId: grant.id, user: caller.userId, status: grant.status }, "access requested");
      return void (await say(requestConfirmation(grants, accounts)));
    }
  }
}
