// Delivers the audit trail to the audit channel from the outbox: in order, at least once, and
// never skipping a record (a failed post stops the batch and is retried on the next run).
import type { AuditRecord } from "../domain/audit-event.js";
import type { AuditOutbox, Logger } from "../services/ports.js";

const BATCH = 50;

export class AuditFeed {
  private running: Promise<number> | undefined;

  constructor(
    private readonly outbox: AuditOutbox,
    private readonly post: (record: AuditRecord) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Delivers what is waiting; concurrent calls share one run. Returns how many were delivered. */
  deliver(): Promise<number> {
    this.running ??= this.deliverAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async deliverAll(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const batch = await this.outbox.undelivered(BATCH);
      for (const record of batch) {
        try {
          await this.post(record);
        } catch (error) {
          this.logger.warn({ seq: record.seq, err: (error as Error).message }, "audit channel post failed; will retry");
          return delivered;
        }
        await this.outbox.markDelivered(record.seq);
        delivered += 1;
      }
      if (batch.length < BATCH) return delivered;
    }
  }
}
