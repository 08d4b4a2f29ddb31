// Approvers' direct messages about a request, in SQLite (see approver-messages.ts).
import type { ApproverMessages, MessageLocation } from "../../services/ports.js";
import { prepared, type SqliteDatabase } from "./database.js";

export class SqliteApproverMessages implements ApproverMessages {
  constructor(private readonly db: SqliteDatabase) {}

  async add(grantId: string, location: MessageLocation): Promise<void> {
    prepared<[string, string, string]>(
      this.db,
      "INSERT INTO approver_messages (grant_id, channel, ts) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    ).run(grantId, location.channel, location.ts);
  }

  async of(grantId: string): Promise<MessageLocation[]> {
    return prepared<[string], MessageLocation>(
      this.db,
      "SELECT channel, ts FROM approver_messages WHERE grant_id = ? ORDER BY channel, ts",
    ).all(grantId);
  }
}
