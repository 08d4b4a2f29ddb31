import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { roleSessionName, sharedCredentials, type TemporaryCredentials } from "../../src/aws/clients.js";
import { loadConfig } from "../../src/config/env.js";

const MINUTE = 60_000;

function counting(expiresInMs: number, now: () => number) {
  let calls = 0;
  const fetch = async (): Promise<TemporaryCredentials> => {
    calls += 1;
    return { accessKeyId: `ASIA${calls}`, secretAccessKey: "s", sessionToken: "t", expiration: new Date(now() + expiresInMs) };
  };
  return { fetch, calls: () => calls };
}

describe("sharedCredentials", () => {
  it("hands every caller the same credentials while they are fresh", async () => {
    let t = 0;
    const source = counting(60 * MINUTE, () => t);
    const provider = sharedCredentials(source.fetch, () => t);
    const [a, b] = await Promise.all([provider(), provider()]);
    t += 50 * MINUTE;
    const c = await provider();
    assert.equal(source.calls(), 1);
    assert.equal(a.accessKeyId, "ASIA1");
    assert.equal(b.accessKeyId, "ASIA1");
    assert.equal(c.accessKeyId, "ASIA1");
  });

  it("fetches new credentials five minutes before the old ones expire", async () => {
    let t = 0;
    const source = counting(60 * MINUTE, () => t);
    const provider = sharedCredentials(source.fetch, () => t);
    await provider();
    t += 55 * MINUTE + 1;
    assert.equal((await provider()).accessKeyId, "ASIA2");
    assert.equal(source.calls(), 2);
  });

  it("tries again after a failed fetch instead of caching the failure", async () => {
    let fail = true;
    const provider = sharedCredentials(async () => {
      if (fail) throw new Error("sts down");
      return { accessKeyId: "ASIAOK", secretAccessKey: "s" };
    });
    await assert.rejects(provider(), /sts down/);
    fail = false;
    assert.equal((await provider()).accessKeyId, "ASIAOK");
  });
});

describe("roleSessionName", () => {
  it("names the bot and its host within STS's allowed characters and length", () => {
    assert.equal(roleSessionName("ip-10-0-0-1.ec2.internal"), "jit-slack@ip-10-0-0-1.ec2.internal");
    assert.equal(roleSessionName("my host/with:odd*chars"), "jit-slack@my-host-with-odd-chars");
    assert.equal(roleSessionName("h".repeat(100)).length, 64);
  });
});

describe("AWS_ROLE_ARN", () => {
  const base = {
    SLACK_BOT_TOKEN: "xoxb-1",
    SLACK_SIGNING_SECRET: "s",
    JIT_AUDIT_CHANNEL: "C0AUDIT",
    JIT_ACCESS_PORTAL_URL: "https://d-1234567890.awsapps.com/start",
  };

  it("is the role to assume", () => {
    const config = loadConfig({ ...base, AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/jit/provisioner" });
    assert.equal(config.aws.assumeRoleArn, "arn:aws:iam::123456789012:role/jit/provisioner");
  });

  it("is left to the SDK when it comes with a web identity token (EKS, IRSA)", () => {
    const config = loadConfig({
      ...base,
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/pod",
      AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token",
    });
    assert.equal(config.aws.assumeRoleArn, undefined);
  });

  it("must be an IAM role ARN", () => {
    assert.throws(() => loadConfig({ ...base, AWS_ROLE_ARN: "arn:aws:iam::123:user/bob" }), /AWS_ROLE_ARN: must be an IAM role ARN/);
  });
});
