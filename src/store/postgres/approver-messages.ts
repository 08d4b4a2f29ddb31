// Approvers' direct messages about a request, in PostgreSQL (see ../approver-messages.ts).
import type { Pool } from "pg";
import type { ApproverMessages, MessageLocation } from "../../services/ports.js";
import { selectRows } from "./sql.js";

export class PostgresApproverMessages implements ApproverMessages {
  constructor(private readonly pool: Pool) {}

  async add(grantId: string, location: MessageLocation): Promise<void> {
    await this.pool.query("INSERT INTO approver_messages (grant_id, channel, ts) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [
      grantId,
      location.channel,
      location.ts,
    ]);
  }

  async of(grantId: string): Promise<MessageLocation[]> {
    return selectRows<MessageLocation>(this.pool, "SELECT channel, ts FROM approver_messages WHERE grant_id = $1 ORDER BY channel, ts", [
      grantId,
    ]);
  }
}
