// The demo's guards: endpoints only its simulators', and none of this machine's AWS credentials.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkSimulatorEndpoints, DemoRefused, refuseForeignEndpoints, withoutAwsCredentials } from "../../src/demo/safety.js";

describe("the demo's safety checks", () => {
  it("refuses any endpoint named in its environment, loopback ones too", () => {
    assert.throws(() => refuseForeignEndpoints({ AWS_ENDPOINT_URL_STS: "http://127.0.0.1:4566" }), DemoRefused);
    assert.throws(() => refuseForeignEndpoints({ SLACK_API_URL: "https://slack.com/api/" }), DemoRefused);
    assert.doesNotThrow(() => refuseForeignEndpoints({ AWS_REGION: "eu-west-1", PATH: "/usr/bin", AWS_ENDPOINT_URL: "" }));
  });

  it("lets the bot's endpoints be only the simulators on 127.0.0.1", () => {
    const simulators = ["http://127.0.0.1:4001", "http://127.0.0.1:4002"];
    assert.doesNotThrow(() =>
      checkSimulatorEndpoints({ AWS_ENDPOINT_URL: "http://127.0.0.1:4001", SLACK_API_URL: "http://127.0.0.1:4002/api/" }, simulators),
    );
    assert.throws(() => checkSimulatorEndpoints({ AWS_ENDPOINT_URL: "http://127.0.0.1:4999" }, simulators), DemoRefused);
    assert.throws(() => checkSimulatorEndpoints({ SLACK_API_URL: "https://slack.com/api/" }, simulators), DemoRefused);
    assert.throws(() => checkSimulatorEndpoints({ AWS_ENDPOINT_URL_STS: "http://127.0.0.1.example.com:4001" }, simulators), DemoRefused);
  });

  it("takes every AWS variable away and points the shared config files at an empty one", () => {
    const env: NodeJS.ProcessEnv = {
      AWS_ACCESS_KEY_ID: "AKIAREALKEY",
      AWS_SECRET_ACCESS_KEY: "real",
      AWS_SESSION_TOKEN: "real",
      AWS_PROFILE: "production",
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/admin",
      AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token",
      AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://169.254.170.23/v1/credentials",
      HOME: "/home/someone",
    };
    withoutAwsCredentials(env, "/tmp/empty");
    assert.deepEqual(env, { HOME: "/home/someone", AWS_CONFIG_FILE: "/tmp/empty", AWS_SHARED_CREDENTIALS_FILE: "/tmp/empty" });
  });
});
