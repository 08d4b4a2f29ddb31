// Block Kit limits beyond the fake Slack's validation (options, inputs, confirm dialogs), and
// helpers for looking into views and messages built by src/slack/views.
import assert from "node:assert/strict";
import type { InputBlock, ModalView, PlainTextInput, PlainTextOption } from "@slack/types";
import { messageContentProblem } from "../../src/simulators/fake-slack-validation.js";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const textOf = (value: unknown): string | undefined => (isObject(value) && typeof value.text === "string" ? value.text : undefined);

function tooLong(problems: string[], at: string, value: unknown, max: number): void {
  const text = typeof value === "string" ? value : textOf(value);
  if (text !== undefined && text.length > max) problems.push(`${at}: ${text.length} > ${max}`);
  if (text === "") problems.push(`${at}: empty`);
}

/** What Slack would refuse in a view or message that the fake's validation does not check. */
export function limitProblems(root: unknown): string[] {
  const problems: string[] = [];
  if (isObject(root) && root.type === "modal") {
    for (const key of ["title", "submit", "close"]) tooLong(problems, `/${key}`, root[key], 24);
  }
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, `${at}/${i}`));
      return;
    }
    if (!isObject(node)) return;
    switch (node.type) {
      case "static_select": {
        const options = Array.isArray(node.options) ? (node.options as unknown[]) : [];
        if (options.length < 1 || options.length > 100) problems.push(`${at}: ${options.length} options`);
        options.forEach((o, i) => {
          tooLong(problems, `${at}/options/${i}/text`, isObject(o) ? o.text : undefined, 75);
          tooLong(problems, `${at}/options/${i}/value`, isObject(o) ? o.value : undefined, 75);
        });
        if (node.initial_option !== undefined && !options.some((o) => JSON.stringify(o) === JSON.stringify(node.initial_option))) {
          problems.push(`${at}: initial_option is not one of the options`);
        }
        tooLong(problems, `${at}/placeholder`, node.placeholder, 150);
        break;
      }
      case "plain_text_input": {
        const min = typeof node.min_length === "number" ? node.min_length : 0;
        const max = typeof node.max_length === "number" ? node.max_length : 3000;
        if (min > max || max > 3000) problems.push(`${at}: min_length ${min}, max_length ${max}`);
        if (typeof node.initial_value === "string" && node.initial_value.length > max) problems.push(`${at}: initial_value too long`);
        tooLong(problems, `${at}/placeholder`, node.placeholder, 150);
        break;
      }
      case "input":
        tooLong(problems, `${at}/label`, node.label, 2000);
        tooLong(problems, `${at}/hint`, node.hint, 2000);
        break;
      case "context":
        if (Array.isArray(node.elements) && node.elements.length > 10) problems.push(`${at}: more than 10 elements`);
        break;
      case "section":
        if (Array.isArray(node.fields) && node.fields.length > 10) problems.push(`${at}: more than 10 fields`);
        (Array.isArray(node.fields) ? node.fields : []).forEach((f, i) => tooLong(problems, `${at}/fields/${i}`, f, 2000));
        break;
      case "mrkdwn":
      case "plain_text":
        tooLong(problems, at, node, 3000);
        break;
    }
    if (isObject(node.confirm)) {
      tooLong(problems, `${at}/confirm/title`, node.confirm.title, 100);
      tooLong(problems, `${at}/confirm/text`, node.confirm.text, 300);
      tooLong(problems, `${at}/confirm/confirm`, node.confirm.confirm, 30);
      tooLong(problems, `${at}/confirm/deny`, node.confirm.deny, 30);
    }
    for (const [key, child] of Object.entries(node)) walk(child, `${at}/${key}`);
  };
  walk(root, "");
  return problems;
}

/**
 * Blocks' text Slack refuses as msg_blocks_too_long though no documented limit is reached: seen from
 * about 13,000 characters (https://github.com/slackapi/bolt-js/issues/2509); kept well below.
 */
export const MESSAGE_BLOCKS_TEXT = 12_000;

/**
 * What Slack would refuse in a message (text and blocks, as chat.postMessage or a command's answer
 * takes it): the fake's validation (50 blocks, 40,000 characters of text, …), limitProblems, and the
 * blocks' text in all.
 */
export function messageProblems(message: { readonly text?: string; readonly blocks?: readonly unknown[] }): string[] {
  const refused = messageContentProblem({ text: message.text, blocks: message.blocks }, true);
  const problems = refused ? [JSON.stringify(refused)] : [];
  const blocksText = textObjects(message.blocks).reduce((sum, text) => sum + text.text.length, 0);
  if (blocksText > MESSAGE_BLOCKS_TEXT) problems.push(`blocks hold ${blocksText} characters of text > ${MESSAGE_BLOCKS_TEXT}`);
  return [...problems, ...limitProblems({ blocks: message.blocks })];
}

export interface TextObject {
  readonly type: "mrkdwn" | "plain_text";
  readonly text: string;
  readonly emoji?: boolean;
}

/** Every text object anywhere inside, in order. */
export function textObjects(node: unknown): TextObject[] {
  if (Array.isArray(node)) return node.flatMap(textObjects);
  if (!isObject(node)) return [];
  const own =
    (node.type === "mrkdwn" || node.type === "plain_text") && typeof node.text === "string" ? [node as unknown as TextObject] : [];
  return [...own, ...Object.values(node).flatMap(textObjects)];
}

/** The text of every mrkdwn text object anywhere inside. */
export function mrkdwnTexts(node: unknown): string[] {
  return textObjects(node)
    .filter((text) => text.type === "mrkdwn")
    .map((text) => text.text);
}

/** Words people typed as the bot shows them (plain_text with emoji off), anywhere inside. */
export function typedTexts(node: unknown): string[] {
  return textObjects(node)
    .filter((text) => text.type === "plain_text" && text.emoji === false)
    .map((text) => text.text);
}

/** Strips what the views emit on purpose (mentions of test users, dates, quote markers); any `<` or `>` left came from user text. */
export function withoutOwnControls(text: string): string {
  return text
    .replace(/<@U0[A-Z]+>/g, "")
    .replace(/<!date\^\d+\^\{date_short_pretty\} at \{time\}\|[0-9: -]+UTC>/g, "")
    .replace(/^>/gm, "");
}

export interface InputParts {
  readonly block: InputBlock;
  readonly element: InputBlock["element"];
  readonly options: PlainTextOption[];
  readonly initial: PlainTextOption | undefined;
  readonly text: PlainTextInput | undefined;
}

/** The input block `blockId` of a modal, with its element's options or text settings. */
export function selectIn(view: ModalView, blockId: string): InputParts {
  const block = view.blocks.find((b): b is InputBlock => b.type === "input" && b.block_id === blockId);
  assert.ok(block, `no input block ${blockId}`);
  const element = block.element;
  return {
    block,
    element,
    options: element.type === "static_select" ? (element.options ?? []) : [],
    initial: element.type === "static_select" ? element.initial_option : undefined,
    text: element.type === "plain_text_input" ? element : undefined,
  };
}
