// Stopping cleanly on SIGTERM/SIGINT: take no new work, give work in progress a bounded time to
// finish, sign a checkpoint of the audit trail, post what the audit channel has not received yet,
// then close. Work still running at the deadline is parked, not lost: each step it completed is in
// the database, an AWS change it started is in the operation log, and the next start resumes it.
import type { FlushResult } from "../audit/feed.js";
import type { Logger } from "../services/ports.js";
import type { InFlight } from "./in-flight.js";
import { errorText } from "../domain/errors.js";

export interface Stopping {
  readonly logger: Logger;
  readonly inFlight: InFlight;
  readonly workTimeoutMs: number;
  readonly flushTimeoutMs: number;
  /** The grants whose AWS work this process is in the middle of, named when they are parked. */
  grantsInProgress(): readonly string[];
  /** Readiness reports "stopping"; the Slack receiver, the scheduler and the expiry timer stop. */
  stopIntake(): Promise<void>;
  /** Signs a checkpoint of the audit records not yet covered by one. */
  checkpoint(): Promise<void>;
  flushOutbox(deadline: number): Promise<FlushResult>;
  /** AWS clients, the routes' own server, the database. */
  close(): Promise<void>;
}

/** Closing the Slack receiver waits for open connections; one that hangs must not hold up the rest. */
const INTAKE_TIMEOUT_MS = 5_000;

export async function shutDown(stopping: Stopping): Promise<void> {
  const { logger, inFlight } = stopping;
  const started = Date.now();
  await step(logger, "stop taking new work", () => withTimeout(stopping.stopIntake(), INTAKE_TIMEOUT_MS));

  const busy = inFlight.size;
  if (await inFlight.settled(stopping.workTimeoutMs)) {
    if (busy > 0) logger.info({ finished: busy, ms: Date.now() - started }, "work in progress finished");
  } else {
    logger.warn(
      { unfinished: inFlight.size, grants: stopping.grantsInProgress(), waitedMs: stopping.workTimeoutMs },
      "work in progress did not finish in time; it is parked in the database and the next start (or another replica) resumes it",
    );
  }

  await step(logger, "sign an audit checkpoint", () => stopping.checkpoint());
  await step(logger, "flush the audit outbox", async () => {
    const flushed = await stopping.flushOutbox(Date.now() + stopping.flushTimeoutMs);
    const log = flushed.left ? logger.warn.bind(logger) : logger.info.bind(logger);
    log(
      { delivered: flushed.delivered, left: flushed.left },
      flushed.left ? "audit records still waiting; they are posted after the next start" : "audit outbox flushed",
    );
  });
  await step(logger, "close", () => stopping.close());
  logger.info({ ms: Date.now() - started }, "stopped");
}

/** A failing step is logged and the rest still run: the database must be closed whatever happened before. */
async function step(logger: Logger, what: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    logger.error({ err: errorText(error) }, `shutdown: could not ${what}`);
  }
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting after ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
