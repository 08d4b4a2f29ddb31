// The shape Bolt assumes of a Slack request body, checked before Bolt reads it. Bolt dereferences
// `body.ssl_check`, `payload.user.id` and iterates `actions` unchecked, so a signed body of
// `payload=null` would crash the process and a payload without `user` would answer 500; and a
// button `value` that is not a string would reach our listeners as an array or a number.
import { parse as parseForm } from "node:querystring";

const FORM = "application/x-www-form-urlencoded";

/** Payload types whose `user` Bolt reads to find who acted. */
const INTERACTIONS = new Set([
  "block_actions",
  "block_suggestion",
  "interactive_message",
  "message_action",
  "shortcut",
  "view_submission",
  "view_closed",
  "dialog_submission",
  "dialog_suggestion",
  "dialog_cancellation",
]);

/** Form fields every slash command carries, each exactly once. */
const COMMAND_FIELDS = ["command", "text", "user_id", "team_id", "response_url"] as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses the body exactly as Bolt's HTTP receiver will (form fields, or one `payload` field of JSON, or JSON). */
export function parseSlackBody(raw: string, contentType: string | undefined): { body: unknown } | { problem: string } {
  try {
    if (contentType !== FORM) return { body: JSON.parse(raw) as unknown };
    const fields = parseForm(raw);
    if (Array.isArray(fields.payload)) return { problem: "the payload field is given more than once" };
    return { body: typeof fields.payload === "string" ? (JSON.parse(fields.payload) as unknown) : fields };
  } catch {
    return { problem: "the body is not valid JSON" };
  }
}

/** Slack's SSL check: a form post of `ssl_check=1`, which Slack does not sign and expects a 200 for. */
export function isSslCheck(raw: string, contentType: string | undefined): boolean {
  return contentType === FORM && parseForm(raw).ssl_check === "1";
}

/** What is wrong with a parsed Slack request body, or undefined when Bolt can safely handle it. */
export function payloadProblem(body: unknown): string | undefined {
  if (!isObject(body)) return "the body is not an object";
  if (body.command !== undefined) return commandProblem(body);
  if (body.type === "event_callback") return eventProblem(body);
  if (typeof body.type === "string" && INTERACTIONS.has(body.type)) return interactionProblem(body);
  return undefined;
}

/** Bolt routes an event by its type; the Home tab is drawn for the app_home_opened event's user. */
function eventProblem(body: Json): string | undefined {
  if (!isObject(body.event)) return "event is not an object";
  if (typeof body.event.type !== "string") return "the event has no string type";
  if (body.event.type === "app_home_opened" && typeof body.event.user !== "string") return "the event's user is not a string";
  return undefined;
}

function commandProblem(body: Json): string | undefined {
  const repeated = Object.keys(body).find((field) => typeof body[field] !== "string");
  if (repeated) return `the field ${repeated} is given more than once`;
  const missing = COMMAND_FIELDS.find((field) => body[field] === undefined);
  return missing ? `the slash command has no ${missing}` : undefined;
}

function interactionProblem(body: Json): string | undefined {
  if (!isObject(body.user) || typeof body.user.id !== "string") return "user is not an object with a string id";
  if (body.team !== undefined && body.team !== null && !isObject(body.team)) return "team is not an object";
  if ((body.type === "view_submission" || body.type === "view_closed") && !isObject(body.view)) return "view is not an object";
  if (body.type !== "block_actions") return undefined;
  const { actions } = body;
  if (!Array.isArray(actions) || actions.length === 0) return "actions is not a non-empty array";
  for (const action of actions as unknown[]) {
    if (!isObject(action) || typeof action.action_id !== "string") return "an action has no string action_id";
    if (action.value !== undefined && typeof action.value !== "string") return "an action value is not a string";
  }
  return undefined;
}
