// The `/jit` form: account, then the permission sets eligible there, a duration up to the rule's
// maximum, justification and ticket. Re-rendered (views.update) whenever account or permission set
// changes, so each list only offers what the policy allows for the choices made so far.
import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { formatDuration } from "../../domain/duration.js";
import { MAX_JUSTIFICATION_LENGTH } from "../../domain/justification.js";
import type { Account, Eligibility, Person } from "../../domain/policy.js";
import { escapeMrkdwn } from "./escape.js";
import { durationOptions, matchingDuration } from "./duration-options.js";
import type { RequestSubmission } from "./request-submission.js";
import { describeRule, LIMITS, option, plain, truncate } from "./parts.js";
import { ACCOUNT_SEARCH_ACTION, PERMISSION_SET_SEARCH_ACTION, REQUEST_CALLBACK_ID } from "../ids.js";

export const REQUEST_TITLE = "Request AWS access";
const TICKET_MAX_LENGTH = 100;

export interface RequestModalState {
  /** What the requester may ask for: policy.eligibleTargets(policy, requester). */
  readonly eligible: readonly Eligibility[];
  readonly requester: Person;
  /** The choices so far (readRequestSubmission of the current view), kept where they still fit. */
  readonly selection?: RequestSubmission;
  /** Carried through re-renders; at most 3000 characters. */
  readonly privateMetadata?: string;
}

/**
 * Slack keeps an input's value across views.update only while block_id and action_id stay the
 * same. Keying the action_id by what the options depend on makes Slack drop a choice the new list
 * no longer offers; the choice is carried over through `initial_option` when it still fits.
 */
function keyed(base: string, key: string | undefined): string {
  return key === undefined ? base : `${base}.${key}`;
}

function input(blockId: string, label: string, element: InputBlock["element"], extra: Partial<InputBlock> = {}): InputBlock {
  return { type: "input", block_id: blockId, label: plain(label), element, ...extra };
}

function select(
  actionId: string,
  placeholder: string,
  options: PlainTextOption[],
  initial: PlainTextOption | undefined,
): InputBlock["element"] {
  return {
    type: "static_select",
    action_id: actionId,
    placeholder: plain(placeholder),
    options,
    ...(initial ? { initial_option: initial } : {}),
  };
}

/**
 * A list longer than a static_select holds (100 options) becomes an external_select: Slack asks
 * for options as the person types (block_suggestion, answered by handlers/target-options.ts).
 * min_query_length 0: the menu lists the first matches as soon as it opens (the default is 3).
 * https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select
 */
function searchSelect(actionId: string, placeholder: string, initial: PlainTextOption | undefined): InputBlock["element"] {
  return {
    type: "external_select",
    action_id: actionId,
    placeholder: plain(placeholder),
    min_query_length: 0,
    ...(initial ? { initial_option: initial } : {}),
  };
}

/** "Production (111122223333)", as both the static list and the type-ahead picker offer an account. */
export function accountOption(account: Account): PlainTextOption {
  return option(`${truncate(account.name, LIMITS.optionText - 15)} (${account.id})`, account.id);
}

function staticField(actionId: string, placeholder: string, options: PlainTextOption[], chosen: string | undefined) {
  return select(
    actionId,
    placeholder,
    options,
    options.find((o) => o.value === chosen),
  );
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function noAccessModal(): ModalView {
  const text = "The policy does not let you request any AWS access. The team running jit-slack can add you to a rule.";
  return {
    type: "modal",
    callback_id: REQUEST_CALLBACK_ID,
    title: plain(REQUEST_TITLE),
    close: plain("Close"),
    blocks: [{ type: "section", text: { type: "mrkdwn", text } }],
  };
}

export function requestModal(state: RequestModalState): ModalView {
  // Names longer than an option value allows cannot exist in Identity Center (32 characters at most).
  const eligible = state.eligible.filter((target) => target.permissionSet.length <= LIMITS.optionValue);
  if (eligible.length === 0) return noAccessModal();
  const selection = state.selection ?? {};

  const accounts = [...new Map(eligible.map((target) => [target.account.id, target.account])).values()];
  const accountId =
    accounts.find((account) => account.id === selection.accountId)?.id ?? (accounts.length === 1 ? accounts[0]?.id : undefined);
  const onAccount = accountId === undefined ? eligible : eligible.filter((target) => target.account.id === accountId);
  const permissionSets = unique(onAccount.map((target) => target.permissionSet));
  const permissionSet =
    permissionSets.find((name) => name === selection.permissionSet) ??
    (accountId && permissionSets.length === 1 ? permissionSets[0] : undefined);
  const target = onAccount.find((candidate) => candidate.permissionSet === permissionSet && candidate.account.id === accountId);
  // Until one rule is known, the limits are the widest any candidate allows; the service checks the real one.
  const candidates = target ? [target] : permissionSet ? onAccount.filter((c) => c.permissionSet === permissionSet) : onAccount;
  const maxMs = Math.max(...candidates.map((candidate) => candidate.rule.maxDurationMs));
  const minJustification = Math.min(...candidates.map((candidate) => candidate.rule.justificationMinLength));

  const chosenAccount = accounts.find((account) => account.id === accountId);
  const accountField =
    accounts.length > LIMITS.options
      ? searchSelect(ACCOUNT_SEARCH_ACTION, "Type an account name or id", chosenAccount && accountOption(chosenAccount))
      : staticField("account", "Choose an account", accounts.map(accountOption), accountId);
  const permissionSetField =
    permissionSets.length > LIMITS.options
      ? searchSelect(
          keyed(PERMISSION_SET_SEARCH_ACTION, accountId),
          "Type a permission set",
          permissionSet === undefined ? undefined : option(permissionSet, permissionSet),
        )
      : staticField(
          keyed("permission_set", accountId),
          "Choose a permission set",
          permissionSets.map((name) => option(name, name)),
          permissionSet,
        );
  const durations = durationOptions(maxMs);

  const blocks: KnownBlock[] = [
    input("account", "AWS account", accountField, { dispatch_action: true }),
    input("permission_set", "Permission set", permissionSetField, {
      dispatch_action: true,
      ...(accountId ? {} : { hint: plain("Choose an account first: this list then shows only what you may request there.") }),
    }),
    ...(target ? [ruleContext(target, state.requester)] : []),
    input(
      "duration",
      "Duration",
      select(keyed("duration", formatDuration(maxMs)), "How long you need it", durations, matchingDuration(durations, selection.duration)),
      {
        hint: plain(`At most ${formatDuration(maxMs)}${target ? "" : " (the permission set you choose may allow less)"}.`),
      },
    ),
    input(
      "justification",
      "Justification",
      {
        type: "plain_text_input",
        action_id: "justification",
        multiline: true,
        min_length: Math.min(minJustification, MAX_JUSTIFICATION_LENGTH),
        max_length: MAX_JUSTIFICATION_LENGTH,
        placeholder: plain("What you are going to do, and why it needs this access"),
        ...(selection.justification ? { initial_value: truncate(selection.justification, MAX_JUSTIFICATION_LENGTH) } : {}),
      },
      minJustification > 1 ? { hint: plain(`At least ${minJustification} characters, not counting spaces.`) } : {},
    ),
    ticketInput(target, selection.ticket),
  ];
  if (state.privateMetadata !== undefined && state.privateMetadata.length > 3000) {
    throw new RangeError("private_metadata is limited to 3000 characters");
  }
  return {
    type: "modal",
    callback_id: REQUEST_CALLBACK_ID,
    title: plain(REQUEST_TITLE),
    submit: plain("Request"),
    close: plain("Cancel"),
    blocks,
    ...(state.privateMetadata !== undefined ? { private_metadata: state.privateMetadata } : {}),
  };
}

function ruleContext(target: Eligibility, requester: Person): KnownBlock {
  const text = `Rule "${escapeMrkdwn(truncate(target.rule.name, 100))}": ${describeRule(target.rule, requester)}`;
  return { type: "context", block_id: "rule", elements: [{ type: "mrkdwn", text }] };
}

function ticketInput(target: Eligibility | undefined, initial: string | undefined): InputBlock {
  const ticket = target?.rule.ticket;
  const hint = ticket?.pattern
    ? `A ticket or incident reference matching ${truncate(ticket.pattern.source, 200)}`
    : "A ticket or incident reference, such as INC-123";
  return input(
    "ticket",
    "Ticket",
    {
      type: "plain_text_input",
      action_id: "ticket",
      max_length: TICKET_MAX_LENGTH,
      placeholder: plain("ABC-123"),
      ...(initial ? { initial_value: truncate(initial, TICKET_MAX_LENGTH) } : {}),
    },
    { optional: !ticket?.required, hint: plain(hint) },
  );
}
