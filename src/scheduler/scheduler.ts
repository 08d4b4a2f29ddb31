// node-cron jobs in the bot's own process: the sweep, the audit feed and reconciliation.
import cron, { type ScheduledTask } from "node-cron";
import { errorText } from "../domain/errors.js";
import type { Logger } from "../services/ports.js";

export interface Job {
  readonly name: string;
  /** node-cron expression with a seconds field (see everySeconds, everyMinutes). */
  readonly cron: string;
  readonly run: () => Promise<unknown>;
}

export const everySeconds = (seconds: number) => `*/${seconds} * * * * *`;
export const everyMinutes = (minutes: number) => `0 */${minutes} * * * *`;

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];

  constructor(private readonly logger: Logger) {}

  start(jobs: readonly Job[]): void {
    for (const job of jobs) {
      const task = cron.schedule(job.cron, () => this.runSafely(job), {
        name: job.name,
        noOverlap: true,
      });
      this.tasks.push(task);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.tasks.map((task) => task.stop()));
    this.tasks.length = 0;
  }

  private async runSafely(job: Job): Promise<void> {
    try {
      await job.run();
    } catch (error) {
      this.logger.error({ job: job.name, err: errorText(error) }, "scheduled job failed");
    }
  }
}
