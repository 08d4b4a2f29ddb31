import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPerson } from "../../src/domain/people.js";
import { standingOf } from "../../src/slack/adapters/directory.js";

const HOME = { teamId: "T0HOME", enterpriseId: undefined };
const member = {
  team_id: "T0HOME",
  deleted: false,
  is_bot: false,
  is_app_user: false,
  is_restricted: false,
  is_ultra_restricted: false,
  is_email_confirmed: true,
  profile: { email: "alice@example.com" },
};

describe("a Slack account's standing", () => {
  it("is member only for a full, active, human member of the home workspace", () => {
    assert.equal(standingOf(member, HOME), "member");
  });

  it("is refused when Slack leaves a field out, rather than assumed fine", () => {
    for (const field of ["deleted", "is_bot", "is_restricted"] as const) {
      const { [field]: _omitted, ...rest } = member;
      assert.notEqual(standingOf(rest, HOME), "member", `without ${field}`);
    }
  });

  it("names deactivated, bot, guest and external accounts", () => {
    assert.equal(standingOf({ ...member, deleted: true }, HOME), "deactivated");
    assert.equal(standingOf({ ...member, is_bot: true }, HOME), "bot");
    assert.equal(standingOf({ ...member, is_app_user: true }, HOME), "bot");
    assert.equal(standingOf({ ...member, is_restricted: true }, HOME), "guest");
    assert.equal(standingOf({ ...member, is_ultra_restricted: true }, HOME), "guest");
    assert.equal(standingOf({ ...member, is_stranger: true }, HOME), "external");
    assert.equal(standingOf({ ...member, team_id: "T0ELSEWHERE" }, HOME), "external");
  });

  it("accepts another workspace of the same Enterprise Grid organisation for an org-wide installation", () => {
    const org = { teamId: "T0HOME", enterpriseId: "E0ORG" };
    assert.equal(standingOf({ ...member, team_id: "T0OTHER", enterprise_user: { enterprise_id: "E0ORG" } }, org), "member");
    assert.equal(standingOf({ ...member, team_id: "T0OTHER", enterprise_user: { enterprise_id: "E0ELSE" } }, org), "external");
  });

  it("makes a person who is not a member match no policy entry, not even their own Slack id", () => {
    const refs = [
      { kind: "slack-user" as const, id: "U0ALICE" },
      { kind: "email" as const, email: "alice@example.com" },
    ];
    for (const standing of ["deactivated", "bot", "guest", "external", "unknown"] as const) {
      assert.equal(isPerson(refs, { slackId: "U0ALICE", email: "alice@example.com", standing }), false, standing);
    }
    assert.equal(isPerson(refs, { slackId: "U0ALICE", email: null, standing: "member" }), true);
  });
});
