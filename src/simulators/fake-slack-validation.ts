// Light Block Kit and message validation: the limits real Slack enforces that apps most often
// trip over, reported with Slack's error codes and `[ERROR] … [json-pointer:…]` messages.

import { fail, isRecord, nonEmptyArray, str } from "./fake-slack-wire.js";
import type { Args, Result } from "./fake-slack-wire.js";

const TEXT_LIMIT = 40_000;
const MESSAGE_BLOCK_LIMIT = 50;
const VIEW_BLOCK_LIMIT = 100;

/** The error chat.postMessage / chat.update / chat.postEphemeral would return for this content, if any. */
export function messageContentProblem(a: Args, requireContent: boolean): Result | undefined {
  const text = str(a, "text");
  if (typeof a.blocks === "string") return fail("invalid_blocks_format");
  if (a.blocks !== undefined) {
    const problems = blockProblems(a.blocks, MESSAGE_BLOCK_LIMIT, "/blocks");
    if (problems.length) return fail("invalid_blocks", ...problems);
  }
  if (typeof a.attachments === "string") return fail("invalid_attachments");
  const hasContent = (text ?? "") !== "" || nonEmptyArray(a.blocks) || nonEmptyArray(a.attachments);
  if (requireContent && !hasContent) return fail("no_text");
  if (text !== undefined && text.length > TEXT_LIMIT) return fail("msg_too_long");
  return undefined;
}

/**
 * What Slack would refuse in a modal (views.open/push/update) or a Home tab (views.publish): a Home
 * tab view has no title, submit or close (https://docs.slack.dev/reference/views/home-tab-views).
 */
export function viewProblems(view: unknown, kind: "modal" | "home" = "modal"): string[] {
  if (!isRecord(view)) return ["[ERROR] missing required field: view"];
  const problems: string[] = [];
  if (view.type !== kind) problems.push(`[ERROR] must be "${kind}" [json-pointer:/view/type]`);
  if (kind === "modal") problems.push(...textObjectProblems(view.title, 24, "/view/title"));
  if (kind === "modal" && isRecord(view.title) && view.title.type !== "plain_text") {
    problems.push("[ERROR] must be plain_text [json-pointer:/view/title/type]");
  }
  problems.push(...blockProblems(view.blocks, VIEW_BLOCK_LIMIT, "/view/blocks"));
  if (typeof view.private_metadata === "string" && view.private_metadata.length > 3000) {
    problems.push("[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]");
  }
  if (typeof view.callback_id === "string" && view.callback_id.length > 255) {
    problems.push("[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]");
  }
  const hasInput = Array.isArray(view.blocks) && view.blocks.some((b: unknown) => isRecord(b) && b.type === "input");
  if (kind === "modal" && hasInput && view.submit === undefined) {
    problems.push("[ERROR] submit is required when an input block is present [json-pointer:/view/submit]");
  }
  return problems;
}

function blockProblems(blocks: unknown, limit: number, pointer: string): string[] {
  if (!Array.isArray(blocks)) return [`[ERROR] must be an array [json-pointer:${pointer}]`];
  const problems: string[] = [];
  if (blocks.length > limit) problems.push(`[ERROR] no more than ${limit} items allowed [json-pointer:${pointer}]`);
  const blockIds = new Set<string>();
  blocks.forEach((block: unknown, i) => {
    const at = `${pointer}/${i}`;
    if (!isRecord(block) || typeof block.type !== "string") {
      problems.push(`[ERROR] missing required field: type [json-pointer:${at}]`);
      return;
    }
    if (typeof block.block_id === "string") {
      if (blockIds.has(block.block_id)) problems.push(`[ERROR] duplicate block_id [json-pointer:${at}/block_id]`);
      if (block.block_id.length > 255) problems.push(`[ERROR] must be less than 256 characters [json-pointer:${at}/block_id]`);
      blockIds.add(block.block_id);
    }
    const textLimit = block.type === "header" ? 150 : block.type === "section" ? 3000 : undefined;
    if (textLimit !== undefined && block.text !== undefined) {
      problems.push(...textObjectProblems(block.text, textLimit, `${at}/text`));
    }
    if (block.type === "header" && isRecord(block.text) && block.text.type !== "plain_text") {
      problems.push(`[ERROR] must be plain_text [json-pointer:${at}/text/type]`);
    }
    if (block.type === "section" && block.text === undefined && block.fields === undefined) {
      problems.push(`[ERROR] must provide either text or fields [json-pointer:${at}]`);
    }
    problems.push(...elementProblems(block, at));
  });
  return problems;
}

function elementProblems(block: Record<string, unknown>, at: string): string[] {
  const problems: string[] = [];
  const elements = [...(Array.isArray(block.elements) ? block.elements : []), ...(block.accessory ? [block.accessory] : [])];
  const actionIds = new Set<string>();
  for (const el of elements) {
    if (!isRecord(el)) continue;
    if (typeof el.action_id === "string") {
      if (actionIds.has(el.action_id)) problems.push(`[ERROR] duplicate action_id "${el.action_id}" [json-pointer:${at}]`);
      if (el.action_id.length > 255) problems.push(`[ERROR] must be less than 256 characters [json-pointer:${at}/action_id]`);
      actionIds.add(el.action_id);
    }
    if (el.type === "button") {
      problems.push(...textObjectProblems(el.text, 75, `${at}/elements/text`));
      if (typeof el.value === "string" && el.value.length > 2000) {
        problems.push(`[ERROR] must be less than 2001 characters [json-pointer:${at}/elements/value]`);
      }
    }
  }
  return problems;
}

function textObjectProblems(text: unknown, limit: number, at: string): string[] {
  if (!isRecord(text) || typeof text.text !== "string" || (text.type !== "plain_text" && text.type !== "mrkdwn")) {
    return [`[ERROR] must be a valid text object [json-pointer:${at}]`];
  }
  if (text.text.length > limit) return [`[ERROR] must be less than ${limit + 1} characters [json-pointer:${at}/text]`];
  if (text.text.length === 0) return [`[ERROR] must be more than 0 characters [json-pointer:${at}/text]`];
  return [];
}
