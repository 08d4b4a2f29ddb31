// A fault point in the fake AWS: hold the first call of an operation (or the first after something
// has happened) until the test lets it go,
// so a test can kill the bot at exactly that step.
import type { FakeAws } from "../../src/simulators/fake-aws.js";

export interface Pause {
  /** Resolves when the bot's call has arrived and is being held. */
  readonly reached: Promise<void>;
  /** Lets the held call (and any later ones) through; AWS then applies it as it would have. */
  release(): void;
}

/** Holds the first call of `operation` made while `when` is true (always, by default). */
export function pauseAt(aws: FakeAws, operation: string, when: () => boolean = () => true): Pause {
  let arrived!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  let letGo!: () => void;
  const released = new Promise<void>((resolve) => (letGo = resolve));
  let held = false;
  const unsubscribe = aws.onCall(async (call) => {
    if (call.operation !== operation || held || !when()) return;
    held = true;
    arrived();
    await released;
  });
  return {
    reached,
    release() {
      unsubscribe();
      letGo();
    },
  };
}
