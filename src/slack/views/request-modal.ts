// The `/jit` form: account, then the permission sets eligible there (or, where the caller's rules
// offer groups and they choose so, a group), a duration up to the rule's maximum, justification and
// ticket. Re-rendered (views.update) whenever what they ask for, the account, permission set or
// group changes, so each list only offers what the policy allows for the choices made so far.
import { createHash } from "node:crypto";
import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { formatDuration } from "../../domain/duration.js";
import { MAX_JUSTIFICATION_LENGTH } from "../../domain/justification.js";
import { listedChoices, type FormChoices } from "../../domain/form-choices.js";
import type { Account, Eligibility, Person, Rule, TicketRule } from "../../domain/policy.js";
import { escapeMrkdwn } from "./escape.js";
import { chosenKind, groupInput, groupRuleContext, kindInput } from "./group-fields.js";
import { durationOptions, matchingDuration } from "./duration-options.js";
import type { RequestSubmission } from "./request-submission.js";
import { describeRule, LIMITS, option, plain, truncate } from "./parts.js";
import { ACCOUNT_SEARCH_ACTION, PERMISSION_SET_SEARCH_ACTION, REQUEST_CALLBACK_ID } from "../ids.js";

export const REQUEST_TITLE = "Request AWS access";
const TICKET_MAX_LENGTH = 100;

export interface RequestModalState {
  /** What the requester may ask for, answered on demand (indexedChoices), or … */
  readonly choices?: FormChoices;
  /** … listed: policy.eligibleTargets(policy, requester), for small policies. */
  readonly eligible?: readonly Eligibility[];
  readonly requester: Person;
  /** The choices so far (readRequestSubmission of the current view), kept where they still fit. */
  readonly selection?: RequestSubmission;
  /** Carried through re-renders; at most 3000 characters. */
  readonly privateMetadata?: string;
  /** policy.maxTargetsPerRequest: above 1, the account and permission-set fields take several choices. */
  readonly maxTargets?: number;
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
  const choices = state.choices ?? listedChoices(state.eligible ?? []);
  const offersGroups = choices.groups.length > 0;
  if (choices.accounts.length === 0 && !offersGroups) return noAccessModal();
  const selection = state.selection ?? {};
  if (offersGroups && chosenKind(selection.kind, choices.accounts.length > 0) === "group") return groupModal(state, choices);
  // Choosing "group" re-renders the form without the account fields (groupModal).
  const lead = offersGroups ? [kindInput("account")] : [];
  if ((state.maxTargets ?? 1) > 1) return severalTargetsModal(state, choices, state.maxTargets ?? 1, lead);

  const { accounts } = choices;
  const accountId =
    accounts.find((account) => account.id === selection.accountId)?.id ?? (accounts.length === 1 ? accounts[0]?.id : undefined);
  const onAccount = accountId === undefined ? undefined : choices.targetsOn(accountId);
  const permissionSets = onAccount ? unique(onAccount.map((target) => target.permissionSet)) : choices.permissionSets(undefined);
  const permissionSet =
    permissionSets.find((name) => name === selection.permissionSet) ??
    (accountId && permissionSets.length === 1 ? permissionSets[0] : undefined);
  const target = onAccount?.find((candidate) => candidate.permissionSet === permissionSet);
  // Until one rule is known, the limits are the widest any candidate allows; the service checks the real one.
  const candidates = target ? [target.rule] : candidateRules(choices, onAccount, permissionSet === undefined ? [] : [permissionSet]);
  const maxMs = Math.max(...candidates.map((rule) => rule.maxDurationMs));
  const minJustification = Math.min(...candidates.map((rule) => rule.justificationMinLength));

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
  const blocks: KnownBlock[] = [
    ...lead,
    input("account", "AWS account", accountField, { dispatch_action: true }),
    input("permission_set", "Permission set", permissionSetField, {
      dispatch_action: true,
      ...(accountId ? {} : { hint: plain("Choose an account first: this list then shows only what you may request there.") }),
    }),
    ...(target ? [ruleContext(target, state.requester)] : []),
    ...detailInputs(maxMs, target !== undefined, minJustification, selection),
    ticketInput(target?.rule.ticket, selection.ticket),
  ];
  return formView(blocks, state.privateMetadata);
}

function formView(blocks: KnownBlock[], privateMetadata: string | undefined): ModalView {
  if (privateMetadata !== undefined && privateMetadata.length > 3000) {
    throw new RangeError("private_metadata is limited to 3000 characters");
  }
  return {
    type: "modal",
    callback_id: REQUEST_CALLBACK_ID,
    title: plain(REQUEST_TITLE),
    submit: plain("Request"),
    close: plain("Cancel"),
    blocks,
    ...(privateMetadata !== undefined ? { private_metadata: privateMetadata } : {}),
  };
}

/** The form for a group's membership: the group, then the duration and words its rule allows. */
function groupModal(state: RequestModalState, choices: FormChoices): ModalView {
  const selection = state.selection ?? {};
  const { groups } = choices;
  const chosen = groups.find((eligible) => eligible.group.groupId === selection.group) ?? (groups.length === 1 ? groups[0] : undefined);
  const rules = chosen ? [chosen.rule] : unique(groups.map((eligible) => eligible.rule));
  const maxMs = Math.max(...rules.map((rule) => rule.maxDurationMs));
  const minJustification = Math.min(...rules.map((rule) => rule.justificationMinLength));
  const blocks: KnownBlock[] = [
    ...(choices.accounts.length > 0 ? [kindInput("group")] : []),
    groupInput(groups, chosen),
    ...(chosen ? [groupRuleContext(chosen, state.requester)] : []),
    ...detailInputs(maxMs, chosen !== undefined, minJustification, selection),
    ticketInput(chosen?.rule.ticket, selection.ticket),
  ];
  return formView(blocks, state.privateMetadata);
}

/**
 * The form when a request may name several targets: accounts and permission sets are multi-selects
 * (type-ahead past 100), the request being every chosen account with every chosen permission set;
 * once both are chosen, the duration and justification limits are those every chosen pair's rule
 * allows, and the service checks each pair again on submit.
 */
function severalTargetsModal(state: RequestModalState, choices: FormChoices, maxTargets: number, lead: KnownBlock[]): ModalView {
  const selection = state.selection ?? {};
  const { accounts } = choices;
  const wantedAccounts = new Set(selection.accountIds ?? (selection.accountId ? [selection.accountId] : []));
  const chosenAccounts = accounts.filter((account) => wantedAccounts.has(account.id)).slice(0, maxTargets);
  const onAccounts = chosenAccounts.length === 0 ? undefined : chosenAccounts.flatMap((account) => choices.targetsOn(account.id));
  const permissionSets = onAccounts ? unique(onAccounts.map((target) => target.permissionSet)) : choices.permissionSets(undefined);
  const wantedSets = new Set(selection.permissionSets ?? (selection.permissionSet ? [selection.permissionSet] : []));
  const chosenSets = permissionSets.filter((name) => wantedSets.has(name)).slice(0, maxTargets);
  const complete = onAccounts !== undefined && chosenSets.length > 0;
  const pairs = (onAccounts ?? []).filter((target) => chosenSets.includes(target.permissionSet));
  const candidates = complete ? pairs.map((pair) => pair.rule) : candidateRules(choices, onAccounts, chosenSets);
  const durations = candidates.map((rule) => rule.maxDurationMs);
  const justifications = candidates.map((rule) => rule.justificationMinLength);
  // Once every pair is known, each must allow the duration and take the justification.
  const maxMs = complete && durations.length > 0 ? Math.min(...durations) : Math.max(...durations);
  const minJustification = complete && justifications.length > 0 ? Math.max(...justifications) : Math.min(...justifications);
  const ticketRequired = complete && pairs.some((pair) => pair.rule.ticket.required);

  const accountKey = chosenAccounts.length === 0 ? undefined : shortKey(chosenAccounts.map((account) => account.id).join(","));
  const blocks: KnownBlock[] = [
    ...lead,
    input(
      "account",
      "AWS accounts",
      multiSelect(
        "account",
        ACCOUNT_SEARCH_ACTION,
        "Choose accounts",
        accounts.map(accountOption),
        chosenAccounts.map(accountOption),
        maxTargets,
      ),
      { dispatch_action: true, hint: plain(`Up to ${maxTargets} account and permission set pairs in one request.`) },
    ),
    input(
      "permission_set",
      "Permission sets",
      multiSelect(
        keyed("permission_set", accountKey),
        PERMISSION_SET_SEARCH_ACTION,
        "Choose permission sets",
        permissionSets.map((name) => option(name, name)),
        chosenSets.map((name) => option(name, name)),
        maxTargets,
      ),
      {
        dispatch_action: true,
        hint: plain("Each chosen account with each chosen permission set; every pair must be one you may request."),
      },
    ),
    ...(complete ? [targetsContext(chosenAccounts.length * chosenSets.length, pairs)] : []),
    ...detailInputs(maxMs, complete, minJustification, selection),
    ticketInput(ticketRequired ? { required: true, pattern: null } : undefined, selection.ticket),
  ];
  return formView(blocks, undefined);
}

/**
 * The rules that may apply before a target is fully chosen: those of the chosen account(s) (and
 * permission sets), or of any the person may request under.
 */
function candidateRules(choices: FormChoices, onAccounts: readonly Eligibility[] | undefined, sets: readonly string[]): Rule[] {
  const targets = onAccounts?.filter((target) => sets.length === 0 || sets.includes(target.permissionSet));
  const rules = targets
    ? targets.map((target) => target.rule)
    : choices.rules.filter((rule) => sets.length === 0 || rule.permissionSets.some((name) => sets.includes(name)));
  const found = unique(rules);
  return found.length > 0 ? found : [...choices.rules];
}

/** A multi-select of `options`, or a type-ahead one (`searchAction`) when there are more than Slack lists. */
function multiSelect(
  actionId: string,
  searchAction: string,
  placeholder: string,
  options: PlainTextOption[],
  initial: PlainTextOption[],
  maxSelected: number,
): InputBlock["element"] {
  const common = {
    placeholder: plain(placeholder),
    max_selected_items: maxSelected,
    ...(initial.length > 0 ? { initial_options: initial } : {}),
  };
  return options.length > LIMITS.options
    ? { type: "multi_external_select", action_id: searchAction, min_query_length: 0, ...common }
    : { type: "multi_static_select", action_id: actionId, options, ...common };
}

/** How many targets the choices make and which rules approve them. */
function targetsContext(count: number, pairs: readonly Eligibility[]): KnownBlock {
  const rules = unique(pairs.map((pair) => `"${escapeMrkdwn(truncate(pair.rule.name, 60))}"`));
  const unknown = count - pairs.length;
  const warning = unknown > 0 ? ` · ${unknown} of them you may not request: choose fewer` : "";
  const text = `${count} target${count === 1 ? "" : "s"} · rule${rules.length === 1 ? "" : "s"} ${truncate(rules.join(", "), 1500)}${warning}`;
  return { type: "context", block_id: "rule", elements: [{ type: "mrkdwn", text }] };
}

/** A short, stable key for a list of choices (see keyed). */
function shortKey(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** Duration and justification, for the limits of the target(s) chosen so far (`known`: the rule is). */
function detailInputs(maxMs: number, known: boolean, minJustification: number, selection: RequestSubmission): InputBlock[] {
  const durations = durationOptions(maxMs);
  return [
    input(
      "duration",
      "Duration",
      select(keyed("duration", formatDuration(maxMs)), "How long you need it", durations, matchingDuration(durations, selection.duration)),
      {
        hint: plain(`At most ${formatDuration(maxMs)}${known ? "" : " (the permission set you choose may allow less)"}.`),
      },
    ),
    justificationInput(minJustification, selection.justification),
  ];
}

/** The justification field, at least `minJustification` characters (the rule's minimum). */
export function justificationInput(minJustification: number, initial: string | undefined): InputBlock {
  return input(
    "justification",
    "Justification",
    {
      type: "plain_text_input",
      action_id: "justification",
      multiline: true,
      min_length: Math.min(minJustification, MAX_JUSTIFICATION_LENGTH),
      max_length: MAX_JUSTIFICATION_LENGTH,
      placeholder: plain("What you are going to do, and why it needs this access"),
      ...(initial ? { initial_value: truncate(initial, MAX_JUSTIFICATION_LENGTH) } : {}),
    },
    minJustification > 1 ? { hint: plain(`At least ${minJustification} characters, not counting spaces.`) } : {},
  );
}

function ruleContext(target: Eligibility, requester: Person): KnownBlock {
  const text = `Rule "${escapeMrkdwn(truncate(target.rule.name, 100))}": ${describeRule(target.rule, requester)}`;
  return { type: "context", block_id: "rule", elements: [{ type: "mrkdwn", text }] };
}

/** The ticket field, required and checked as the rule says (optional when no rule is known yet). */
export function ticketInput(ticket: TicketRule | undefined, initial: string | undefined): InputBlock {
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
