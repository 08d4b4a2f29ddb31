// Signed Slack requests for the bot's HTTP endpoint, built with the test fakes' payload builders.
import { ACTION_APPROVE } from "../../src/slack/ids.js";
import { blockActionBody, signBody, slashCommandBody } from "../../src/simulators/slack-requests.js";
import type { PendingApproval } from "./bot-db.js";

/**
 * What a load sends, as plain data: the load generator runs in a process of its own and builds the
 * bodies there.
 */
export type BodySource =
  | { readonly kind: "command"; readonly userId: string; readonly text: string; readonly responseUrl: string }
  | { readonly kind: "clicks"; readonly approverId: string; readonly approvals: readonly PendingApproval[]; readonly responseUrl: string };

/** The next body of a load, cycling through the approvals so every click names a real request. */
export function bodyMaker(source: BodySource): () => string {
  if (source.kind === "command") return () => commandBody(source.userId, source.text, source.responseUrl);
  if (source.approvals.length === 0) throw new Error("no approval to click");
  let next = 0;
  return () => {
    const approval = source.approvals[next % source.approvals.length] as PendingApproval;
    next += 1;
    return approveBody(source.approverId, approval, source.responseUrl);
  };
}

export function commandBody(userId: string, text: string, responseUrl: string): string {
  return slashCommandBody({ userId, text, responseUrl });
}

/** An Approve click on the request's approval message. */
export function approveBody(approverId: string, approval: PendingApproval, responseUrl: string): string {
  return blockActionBody({
    userId: approverId,
    actionId: ACTION_APPROVE,
    value: approval.grantId,
    channelId: approval.channel,
    messageTs: approval.ts,
    responseUrl,
  });
}

/** Headers Slack sends with a request signed now. */
export function signedHeaders(secret: string, body: string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": signBody(secret, body, timestamp),
  };
}

/** Posts one signed request; resolves with the HTTP status and the time to the answer. */
export async function postSigned(url: string, secret: string, body: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { method: "POST", headers: signedHeaders(secret, body), body });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}
