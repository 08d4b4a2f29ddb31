// Reads `view.state.values` from a Slack payload. It arrives over the network, so nothing about its
// shape is trusted: every level is checked and anything unexpected reads as "not given".

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function own(object: Json, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * The state of the one element in input block `blockId`. The element's action_id is not checked:
 * views vary it on purpose (see request-modal.ts) so that Slack forgets a choice that no longer fits.
 */
function elementState(values: unknown, blockId: string): Json | undefined {
  if (!isObject(values)) return undefined;
  const block = own(values, blockId);
  if (!isObject(block)) return undefined;
  const states = Object.keys(block).map((key) => block[key]);
  return states.length === 1 && isObject(states[0]) ? states[0] : undefined;
}

/** The value of the option chosen in a select, when it is a non-empty string of sane length. */
export function selectedValue(values: unknown, blockId: string, maxLength = 75): string | undefined {
  const state = elementState(values, blockId);
  const selected = state ? own(state, "selected_option") : undefined;
  const value = isObject(selected) ? own(selected, "value") : undefined;
  return typeof value === "string" && value !== "" && value.length <= maxLength ? value : undefined;
}

/**
 * The values of the options chosen in a multi-select, each a non-empty string of sane length, once
 * each; undefined when none was chosen, when more than `maxItems` were, or when any is malformed.
 */
export function selectedValues(values: unknown, blockId: string, maxItems: number, maxLength = 75): string[] | undefined {
  const state = elementState(values, blockId);
  const selected = state ? own(state, "selected_options") : undefined;
  if (!Array.isArray(selected) || selected.length === 0 || selected.length > maxItems) return undefined;
  const chosen = selected.map((option: unknown) => (isObject(option) ? own(option, "value") : undefined));
  const valid = chosen.filter((value): value is string => typeof value === "string" && value !== "" && value.length <= maxLength);
  return valid.length === chosen.length ? [...new Set(valid)] : undefined;
}

/** What was typed into a plain_text_input, or undefined when nothing but whitespace was. */
export function typedValue(values: unknown, blockId: string): string | undefined {
  const state = elementState(values, blockId);
  const value = state ? own(state, "value") : undefined;
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** Whether the view has input block `blockId` (Slack sends every input block's state, chosen or not). */
export function hasBlock(values: unknown, blockId: string): boolean {
  return elementState(values, blockId) !== undefined;
}
