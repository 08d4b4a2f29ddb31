// Following up an assignment's creation through the operation log: by its AWS request id when AWS
// accepted it, or marked abandoned when the process that made the call died before hearing back.
import type { ServiceDeps } from "./deps.js";
import type { Operation, OperationOutcome } from "./ports.js";

export const NO_ANSWER_RECORDED = "no answer from AWS was recorded before a restart";

/** Waits for a creation AWS accepted to succeed or fail, and writes the outcome to the log. */
export async function followCreation(deps: ServiceDeps, operation: Operation & { readonly requestId: string }): Promise<OperationOutcome> {
  const outcome = await deps.provider.awaitOperation("create", operation.requestId);
  await deps.operations.finished(operation.id, outcome.ok ? "succeeded" : "failed", outcome.ok ? undefined : outcome.reason);
  return outcome;
}

/**
 * Settles the grant's latest creation before anything else touches its assignment, so a removal
 * never runs ahead of a creation still under way: one AWS accepted is followed to its end, one
 * whose answer was lost is marked abandoned (the caller holds the grant, so nobody else is making
 * that call). Throws ProviderError while AWS cannot say.
 */
export async function settleCreation(deps: ServiceDeps, grantId: string): Promise<void> {
  const operation = await deps.operations.latest(grantId, "create");
  if (operation?.state === "started" && operation.requestId !== null) {
    await followCreation(deps, { ...operation, requestId: operation.requestId });
  } else if (operation?.state === "intended") {
    await deps.operations.finished(operation.id, "abandoned", NO_ANSWER_RECORDED);
  }
}
