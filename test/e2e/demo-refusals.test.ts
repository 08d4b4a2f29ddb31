// The demo never reaches real systems: it will not start while its environment names an AWS or
// Slack endpoint, whatever the endpoint is.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { demoExit } from "../support/demo-process.js";

describe("npm run demo", { skip: process.env.JIT_TEST_DATABASE_URL && "the demo uses SQLite; the SQLite leg runs it" }, () => {
  for (const [variable, value] of [
    ["AWS_ENDPOINT_URL", "https://sso.us-east-1.amazonaws.com"],
    ["AWS_ENDPOINT_URL_SSO_ADMIN", "https://sso.eu-west-1.amazonaws.com"],
    ["AWS_ENDPOINT_URL_IDENTITYSTORE", "http://10.0.0.8:4566"],
    ["SLACK_API_URL", "https://slack.com/api/"],
  ] as const) {
    it(`refuses to start while ${variable} points elsewhere`, async () => {
      const exit = await demoExit({ [variable]: value });
      assert.equal(exit.code, 1);
      assert.match(exit.stderr, /jit-slack demo cannot start/);
      assert.ok(exit.stderr.includes(`${variable}=${value}`), exit.stderr);
    });
  }
});
