// node-cron jobs in the bot's own process: the sweep and the audit feed.
import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "../services/ports.js";

export interface Job {
  readonly name: string;
  readonly everySeconds: number;
  readonly run: () => Promise<unknown>;
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];

  constructor(private readonly logger: Logger) {}

  start(jobs: readonly Job[]): void {
    for (const job of jobs) {
      const task = cron.schedule(`*/${job.everySeconds} * * * * *`, () => this.runSafely(job), {
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
      this.logger.error({ job: job.name, err: (error as Error).message }, "scheduled job failed");
    }
  }
}
