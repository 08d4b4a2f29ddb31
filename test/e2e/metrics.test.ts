// /metrics after real flows: request outcomes, approval latency, active grants, revocation lag,
// AWS and Slack API calls and errors, and the audit outbox, in Prometheus' text format.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { click, request, waitForDm, eventually } from "../support/flows.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { people, type World } from "../support/world.js";

const HOUR = 3_600_000;

/** The value of one sample, matched by name and exactly these labels. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(found).length && wanted.every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe("metrics", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
  });

  const scrape = async () => {
    const response = await fetch(`http://127.0.0.1:${bot.bot.healthPort}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  it("counts a request through approval, provisioning and expiry, with its latency and lag", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 2h INC-1 metrics");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await waitForDm(world, people.alice.slackId, /Access granted/);

    let text = await scrape();
    assert.equal(sample(text, "jit_requests_total", { outcome: "requested" }), 1);
    assert.equal(sample(text, "jit_requests_total", { outcome: "approved" }), 1);
    assert.equal(sample(text, "jit_requests_total", { outcome: "provisioned" }), 1);
    assert.equal(sample(text, "jit_requests_total", { outcome: "revoked" }), 0, "every outcome is exported from the start");
    assert.equal(sample(text, "jit_approval_latency_seconds_count", { decision: "approved" }), 1);
    const latency = sample(text, "jit_approval_latency_seconds_sum", { decision: "approved" }) ?? -1;
    assert.ok(latency >= 0 && latency < 10, `approval latency ${latency} s`);
    assert.equal(sample(text, "jit_active_grants"), 1);
    assert.equal(sample(text, "jit_grants", { status: "active" }), 1);
    assert.equal(sample(text, "jit_grants", { status: "pending" }), 0);
    assert.equal(sample(text, "jit_aws_api_calls_total", { operation: "CreateAccountAssignment" }), 1);
    assert.ok((sample(text, "jit_slack_api_calls_total", { method: "chat.postMessage" }) ?? 0) >= 2, "approval message and DM");
    assert.ok(sample(text, "jit_in_flight_work") !== undefined);
    assert.ok(sample(text, "nodejs_eventloop_lag_seconds") !== undefined, "the process's own metrics");

    bot.clock.advance(2 * HOUR + 1000);
    await waitForDm(world, people.alice.slackId, /has ended/);
    text = await scrape();
    assert.equal(sample(text, "jit_requests_total", { outcome: "revocation_started" }), 1);
    assert.equal(sample(text, "jit_requests_total", { outcome: "revoked" }), 1);
    assert.equal(sample(text, "jit_revocation_lag_seconds_count"), 1);
    const lag = sample(text, "jit_revocation_lag_seconds_sum") ?? -1;
    assert.ok(lag >= 1 && lag < 10, `revocation lag ${lag} s (the clock jumped 1 s past the expiry)`);
    assert.equal(sample(text, "jit_revocation_lag_seconds_bucket", { le: "10" }), 1);
    assert.equal(sample(text, "jit_active_grants"), 0);
    assert.equal(sample(text, "jit_aws_api_calls_total", { operation: "DeleteAccountAssignment" }), 1);
    assert.equal(sample(text, "jit_requests_total", { outcome: "approved" }), 1, "records already counted are not counted again");
  });

  it("counts AWS and Slack API errors by operation and code", async () => {
    const requested = await request(bot, world, people.erin.slackId, "prod ReadOnlyAccess 1h erin has no Identity Center user");
    world.slack.failNext("chat.update", { error: "message_not_found" });
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await waitForDm(world, people.erin.slackId, /No IAM Identity Center user/);

    const text = await scrape();
    assert.equal(sample(text, "jit_aws_api_errors_total", { operation: "GetUserId", code: "ResourceNotFoundException" }), 1);
    assert.equal(sample(text, "jit_slack_api_errors_total", { method: "chat.update", error: "message_not_found" }), 1);
    assert.equal(sample(text, "jit_requests_total", { outcome: "failed" }), 1);
  });

  it("shows the audit outbox draining to zero", async () => {
    await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h outbox");
    // The depth is read from the database, the delivered count from the process: the record is
    // marked delivered a moment before it is counted, and a scrape may fall in between.
    const drained = await eventually(
      async () => {
        const text = await scrape();
        return sample(text, "jit_audit_outbox_depth") === 0 && (sample(text, "jit_audit_records_delivered_total") ?? 0) >= 1 && text;
      },
      8000,
      "the outbox to drain",
    );
    assert.equal(sample(drained, "jit_audit_outbox_oldest_age_seconds"), 0);
  });
});
