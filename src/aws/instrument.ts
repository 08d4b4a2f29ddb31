// Counts AWS API calls and failures by operation and error code, as middleware on the SDK clients:
// it sees every call made after start-up (the provider, readiness probes), each attempt of the
// provider's own retries included, and what the SDK finally answered where it retries itself (STS).
import type { AwsClients } from "./clients.js";
import { errorCode } from "./errors.js";

export interface AwsCallObserver {
  awsCall(operation: string): void;
  awsError(operation: string, code: string): void;
}

const NAME = "jitSlackCallObserver";

export function instrumentAwsClients(clients: AwsClients, observer: AwsCallObserver): void {
  const observe =
    (commandName: unknown) =>
    async <T>(send: () => Promise<T>): Promise<T> => {
      const operation = String(commandName ?? "Unknown").replace(/Command$/, "");
      observer.awsCall(operation);
      try {
        return await send();
      } catch (error) {
        observer.awsError(operation, errorCode(error));
        throw error;
      }
    };
  clients.ssoAdmin.middlewareStack.add((next, context) => (args) => observe(context.commandName)(() => next(args)), {
    step: "initialize",
    name: NAME,
  });
  clients.identityStore.middlewareStack.add((next, context) => (args) => observe(context.commandName)(() => next(args)), {
    step: "initialize",
    name: NAME,
  });
  clients.sts.middlewareStack.add((next, context) => (args) => observe(context.commandName)(() => next(args)), {
    step: "initialize",
    name: NAME,
  });
}
