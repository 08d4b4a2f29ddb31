// The one retry loop for AWS calls: what it retries, how often, and what it throws.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ProviderError } from "../../src/domain/errors.js";
import { RateLimiter } from "../../src/aws/limiter.js";
import { retryingCall, type RetryPolicy } from "../../src/aws/retrying-call.js";

const policy: RetryPolicy = { limiter: new RateLimiter(1_000), priority: "normal", retries: 3, backoffMs: { base: 1, cap: 1 } };

/** An SDK-shaped service error. */
function awsError(name: string): Error {
  return Object.assign(new Error(`${name} message`), { name, $fault: "client", $metadata: { httpStatusCode: 400 } });
}

/** A call that fails with `errors` in turn, then answers "done"; counts its attempts. */
function flaky(...errors: Error[]) {
  const state = { attempts: 0 };
  const send = async () => {
    state.attempts += 1;
    const error = errors[state.attempts - 1];
    if (error) throw error;
    return "done";
  };
  return { state, send };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => assert.fail("expected the call to fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ProviderError);
  return error;
}

describe("retryingCall", () => {
  it("retries throttling until the call succeeds", async () => {
    const { state, send } = flaky(awsError("TooManyRequestsException"), awsError("TooManyRequestsException"));
    assert.equal(await retryingCall(policy, "Organizations ListAccounts", send), "done");
    assert.equal(state.attempts, 3);
  });

  it("gives up after `retries` attempts with a retryable ProviderError naming the call", async () => {
    const { state, send } = flaky(...Array.from({ length: 5 }, () => awsError("TooManyRequestsException")));
    const error = await failure(retryingCall(policy, "Organizations ListAccounts", send));
    assert.equal(state.attempts, 3);
    assert.equal(error.code, "TooManyRequestsException");
    assert.equal(error.retryable, true);
    assert.match(error.message, /^Organizations ListAccounts failed: TooManyRequestsException/);
  });

  it("does not retry a definite answer, and lets `explain` reword only that", async () => {
    const { state, send } = flaky(awsError("AccessDeniedException"));
    const error = await failure(
      retryingCall(policy, "Organizations ListRoots", send, (f) => new ProviderError(`explained: ${f.message}`, f.code, false)),
    );
    assert.equal(state.attempts, 1);
    assert.equal(error.code, "AccessDeniedException");
    assert.match(error.message, /^explained: Organizations ListRoots failed: AccessDeniedException/);
  });
});
