// The front door's checks on what Slack sends: payload shape and home workspace.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSlackBody, payloadProblem } from "../../src/slack/transport/payload-shape.js";
import { fromHome, teamIdsOf } from "../../src/slack/transport/team-guard.js";

const FORM = "application/x-www-form-urlencoded";
const form = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
const click = (changes: Record<string, unknown> = {}) => ({
  type: "block_actions",
  user: { id: "U0BOB", team_id: "T1" },
  team: { id: "T1" },
  actions: [{ action_id: "jit_approve", value: "jit-abcdefgh", type: "button" }],
  ...changes,
});
const command = "command=%2Fjit&text=help&user_id=U0ALICE&team_id=T1&response_url=https%3A%2F%2Fhooks.slack.com%2Fx";

function problemOf(raw: string, contentType = FORM): string | undefined {
  const parsed = parseSlackBody(raw, contentType);
  return "problem" in parsed ? parsed.problem : payloadProblem(parsed.body);
}

describe("payload shape", () => {
  it("accepts what Slack sends: slash commands, button clicks, events, its SSL check and URL verification", () => {
    assert.equal(problemOf(command), undefined);
    assert.equal(problemOf(form(click())), undefined);
    assert.equal(
      problemOf(form(click({ actions: [{ action_id: "pick", type: "static_select", selected_option: { value: "x" } }] }))),
      undefined,
    );
    assert.equal(problemOf(form({ type: "view_submission", user: { id: "U1" }, team: null, view: { id: "V1" } })), undefined);
    assert.equal(problemOf(JSON.stringify({ type: "event_callback", event: { type: "app_mention" } }), "application/json"), undefined);
    assert.equal(problemOf("ssl_check=1&token=x"), undefined);
    assert.equal(problemOf(JSON.stringify({ type: "url_verification", challenge: "c" }), "application/json"), undefined);
  });

  const malformed: Array<[string, string, string?]> = [
    ["payload=null", "payload=null"],
    ["a JSON null", "null", "application/json"],
    ["payload that is an array", form([click()])],
    ["payload that is not JSON", "payload=%7Bx"],
    ["two payload fields", `${form(click())}&${form(click())}`],
    ["a click without user", form(click({ user: undefined }))],
    ["a click whose user id is a number", form(click({ user: { id: 1 } }))],
    ["a click whose team is a string", form(click({ team: "T1" }))],
    ["a click whose actions is an object", form(click({ actions: { action_id: "jit_approve" } }))],
    ["a click with no actions", form(click({ actions: [] }))],
    ["a click whose action has no action_id", form(click({ actions: [{ value: "jit-abcdefgh" }] }))],
    ["a click whose value is an array", form(click({ actions: [{ action_id: "jit_approve", value: ["jit-abcdefgh"] }] }))],
    ["a view submission without view", form({ type: "view_submission", user: { id: "U1" } })],
    ["an event callback without event", JSON.stringify({ type: "event_callback" }), "application/json"],
    ["a slash command without text", command.replace("&text=help", "")],
    ["a slash command with two texts", `${command}&text=again`],
  ];
  for (const [what, raw, contentType] of malformed) {
    it(`refuses ${what}`, () => {
      assert.ok(problemOf(raw, contentType), `no problem found in ${raw}`);
    });
  }
});

describe("home workspace", () => {
  const home = { teamId: "T1", enterpriseId: undefined };

  it("accepts a payload naming only the home workspace", () => {
    assert.ok(fromHome(home, click(), { teamId: "T1" }));
    assert.ok(fromHome(home, { team_id: "T1", command: "/jit" }, { teamId: "T1" }));
  });

  it("refuses a payload from another workspace, or whose user belongs to one", () => {
    assert.equal(fromHome(home, click({ team: { id: "T2" } }), { teamId: "T2" }), false);
    assert.equal(fromHome(home, click({ user: { id: "U9", team_id: "T2" } }), { teamId: "T1" }), false);
    assert.equal(fromHome(home, { team_id: "T2", command: "/jit" }, { teamId: "T2" }), false);
  });

  it("refuses a payload that names no workspace at all", () => {
    assert.deepEqual(teamIdsOf({}, undefined), []);
    assert.equal(fromHome(home, {}, {}), false);
  });

  it("serves the whole organisation of an org-wide installation, and no other", () => {
    const grid = { teamId: undefined, enterpriseId: "E1" };
    assert.ok(fromHome(grid, click({ team: { id: "T7" } }), { teamId: "T7", enterpriseId: "E1" }));
    assert.equal(fromHome(grid, click(), { teamId: "T1", enterpriseId: "E2" }), false);
    assert.equal(fromHome(grid, click(), { teamId: "T1" }), false);
  });
});
