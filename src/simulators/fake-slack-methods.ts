// The Web API methods the fake implements, each a pure function of its arguments and the workspace.
// Authentication, faults and latency are the server's business, not theirs.

import { conversationsHistory, conversationsReplies } from "./fake-slack-history.js";
import { FAKE_DEFAULTS } from "./fake-slack-types.js";
import { messageContentProblem, viewProblems } from "./fake-slack-validation.js";
import { fail, invalidArguments, str } from "./fake-slack-wire.js";
import type { Args, Handler, Result } from "./fake-slack-wire.js";
import { content, msgKey } from "./fake-slack-workspace.js";
import type { FakeWorkspace } from "./fake-slack-workspace.js";

/** Handlers for methods called with the bot token, by method name. */
export function botMethods(ws: FakeWorkspace): Record<string, Handler> {
  return {
    "auth.test": () => authTest(ws),
    "chat.postMessage": (a) => postMessage(ws, a),
    "chat.update": (a) => updateMessage(ws, a),
    "chat.delete": (a) => deleteMessage(ws, a),
    "chat.postEphemeral": (a) => postEphemeral(ws, a),
    "conversations.history": (a) => conversationsHistory(ws, a),
    "conversations.open": (a) => openConversation(ws, a),
    "conversations.replies": (a) => conversationsReplies(ws, a),
    "users.info": (a) => userInfo(ws, a),
    "users.lookupByEmail": (a) => lookupByEmail(ws, a),
    "usergroups.users.list": (a) => usergroupUsers(ws, a),
    "views.open": (a) => openView(ws, a, "open"),
    "views.push": (a) => openView(ws, a, "push"),
    "views.update": (a) => updateView(ws, a),
    "views.publish": (a) => publishView(ws, a),
  };
}

function authTest(ws: FakeWorkspace): Result {
  return {
    ok: true,
    url: `https://${ws.teamDomain}.slack.com/`,
    team: FAKE_DEFAULTS.teamName,
    user: FAKE_DEFAULTS.botName,
    team_id: ws.teamId,
    user_id: ws.botUserId,
    bot_id: ws.botId,
    is_enterprise_install: false,
  };
}

function postMessage(ws: FakeWorkspace, a: Args): Result {
  const channel = ws.resolveChannel(str(a, "channel"));
  if (channel === undefined) return fail("channel_not_found");
  const problem = messageContentProblem(a, true);
  if (problem !== undefined) return problem;
  const message = ws.storeMessage(channel, a);
  return { ok: true, channel, ts: message.ts, message: ws.wireMessage(message) };
}

function updateMessage(ws: FakeWorkspace, a: Args): Result {
  const channel = str(a, "channel");
  const ts = str(a, "ts");
  if (channel === undefined) return fail("channel_not_found");
  const message = ts === undefined ? undefined : ws.messages.get(msgKey(channel, ts));
  if (message === undefined) return fail("message_not_found");
  const problem = messageContentProblem(a, false);
  if (problem !== undefined) return problem;
  // Omitted fields keep their previous value (an empty blocks array removes blocks).
  if (a.text !== undefined) message.text = str(a, "text");
  if (Array.isArray(a.blocks)) message.blocks = a.blocks.length ? a.blocks : undefined;
  if (Array.isArray(a.attachments)) message.attachments = a.attachments.length ? a.attachments : undefined;
  message.edited = { user: ws.botUserId, ts: ws.nextTs() };
  return { ok: true, channel, ts: message.ts, text: message.text ?? "", message: ws.wireMessage(message) };
}

function deleteMessage(ws: FakeWorkspace, a: Args): Result {
  const channel = str(a, "channel") ?? "";
  const ts = str(a, "ts") ?? "";
  if (!ws.messages.delete(msgKey(channel, ts))) return fail("message_not_found");
  return { ok: true, channel, ts };
}

function postEphemeral(ws: FakeWorkspace, a: Args): Result {
  const channel = ws.resolveChannel(str(a, "channel"));
  const user = str(a, "user");
  if (channel === undefined) return fail("channel_not_found");
  if (user === undefined || !ws.users.has(user)) return fail("user_not_found");
  const problem = messageContentProblem(a, true);
  if (problem !== undefined) return problem;
  const ts = ws.nextTs();
  ws.ephemerals.push({ channel, user, ts, ...content(a) });
  return { ok: true, message_ts: ts };
}

function openConversation(ws: FakeWorkspace, a: Args): Result {
  const users = (str(a, "users") ?? "")
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean);
  if (users.length === 0) return fail("users_list_not_supplied");
  const unknown = users.find((u) => !ws.users.has(u));
  if (unknown !== undefined) return fail("user_not_found");
  const id = users.length === 1 ? ws.dmChannelOf(users[0] ?? "") : `G${users.join("").replace(/\W/g, "").slice(0, 12).toUpperCase()}`;
  const alreadyOpen = ws.openedDms.has(id);
  ws.openedDms.add(id);
  const channel = a.return_im === "true" || a.return_im === true ? { id, is_im: users.length === 1, user: users[0] } : { id };
  return alreadyOpen ? { ok: true, no_op: true, already_open: true, channel } : { ok: true, channel };
}

function userInfo(ws: FakeWorkspace, a: Args): Result {
  const user = ws.users.get(str(a, "user") ?? "");
  return user === undefined ? fail("user_not_found") : { ok: true, user: ws.wireUser(user) };
}

function lookupByEmail(ws: FakeWorkspace, a: Args): Result {
  const email = (str(a, "email") ?? "").toLowerCase();
  const user = [...ws.users.values()].find((u) => u.email?.toLowerCase() === email && !u.deleted);
  return user === undefined ? fail("users_not_found") : { ok: true, user: ws.wireUser(user) };
}

function usergroupUsers(ws: FakeWorkspace, a: Args): Result {
  const users = ws.usergroups.get(str(a, "usergroup") ?? "");
  return users === undefined ? fail("no_such_subteam") : { ok: true, users: [...users] };
}

function openView(ws: FakeWorkspace, a: Args, mode: "open" | "push"): Result {
  const triggerId = str(a, "trigger_id");
  if (triggerId === undefined) return invalidArguments("missing required field: trigger_id");
  const trigger = ws.triggers.get(triggerId);
  if (trigger === undefined) return fail("invalid_trigger_id");
  if (trigger.used) return fail("exchanged_trigger_id");
  if (Date.now() - trigger.issuedAt > ws.triggerTtlMs) return fail("expired_trigger_id");
  const problems = viewProblems(a.view);
  if (problems.length) return invalidArguments(...problems);
  trigger.used = true;
  const parent = mode === "push" ? ws.lastView(trigger.userId ? { userId: trigger.userId } : {}) : undefined;
  const id = `V${String(ws.nextSeq()).padStart(10, "0")}`;
  const stored = ws.storeView(id, trigger.userId, a.view as Args, {
    root_view_id: parent === undefined ? id : String(parent.view.root_view_id ?? parent.id),
    previous_view_id: parent?.id ?? null,
  });
  return { ok: true, view: stored.view };
}

function updateView(ws: FakeWorkspace, a: Args): Result {
  const viewId = str(a, "view_id");
  const externalId = str(a, "external_id");
  if (viewId === undefined && externalId === undefined) {
    return invalidArguments("missing required field: view_id or external_id");
  }
  const current = viewId !== undefined ? ws.views.get(viewId) : [...ws.views.values()].find((v) => v.view.external_id === externalId);
  if (current === undefined) return fail("not_found");
  const hash = str(a, "hash");
  if (hash !== undefined && hash !== current.hash) return fail("hash_conflict");
  const problems = viewProblems(a.view);
  if (problems.length) return invalidArguments(...problems);
  ws.views.delete(current.id); // re-insert so lastView() sees it as the most recent
  const stored = ws.storeView(current.id, current.userId, a.view as Args, {
    root_view_id: current.view.root_view_id,
    previous_view_id: current.view.previous_view_id,
  });
  return { ok: true, view: stored.view };
}

/**
 * views.publish: the Home tab of `user_id`, replaced whole; an unknown user is `invalid_arguments`
 * ("invalid `user_id`", https://docs.slack.dev/reference/methods/views.publish).
 */
function publishView(ws: FakeWorkspace, a: Args): Result {
  const userId = str(a, "user_id");
  if (userId === undefined || !ws.users.has(userId)) return invalidArguments("invalid `user_id`");
  const problems = viewProblems(a.view, "home");
  if (problems.length) return invalidArguments(...problems);
  const current = ws.homes.get(userId);
  const hash = str(a, "hash");
  if (hash !== undefined && current !== undefined && hash !== current.hash) return fail("hash_conflict");
  const id = current?.id ?? `V${String(ws.nextSeq()).padStart(10, "0")}`;
  const stored = ws.storeView(id, userId, a.view as Args, { root_view_id: id, previous_view_id: null });
  ws.views.delete(id);
  ws.homes.set(userId, stored);
  ws.homePublishes.push({ userId, at: Date.now() });
  return { ok: true, view: stored.view };
}
