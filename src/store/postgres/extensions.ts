// Extensions in PostgreSQL: their own table, approvals shared with requests, audit on the grant.
import type { Pool } from "pg";
import type { AuditNote } from "../../domain/audit-event.js";
import type { Clock } from "../../domain/clock.js";
import type { Extension, NewExtension } from "../../domain/extension.js";
import { recordsApproval, tallyOf } from "../../domain/approval.js";
import type { ApprovalNote, DecideApproval, ExtensionStore, RecordedApproval } from "../../services/ports.js";
import { extensionFromRow, type ExtensionRow } from "../extension-rows.js";
import { addApprover, approverIds } from "./approvals.js";
import { appendGrantNote } from "./grant-notes.js";
import { selectRow, selectRows } from "./sql.js";
import { inTransaction } from "./transaction.js";

export class PostgresExtensions implements ExtensionStore {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  async insert(extension: NewExtension, note: AuditNote): Promise<Extension> {
    return inTransaction(this.pool, async (client) => {
      const row = await selectRow<ExtensionRow>(
        client,
        `INSERT INTO extensions (id, grant_id, requester_id, extra_ms, status, created_at)
         VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING *`,
        [extension.id, extension.grantId, extension.requesterId, extension.extraMs, extension.createdAt],
      );
      if (!row) throw new Error(`extension ${extension.id} was not stored`);
      await appendGrantNote(client, this.clock, extension.grantId, {
        ...note,
        detail: { ...note.detail, extensionId: extension.id, extraMs: extension.extraMs },
      });
      return extensionFromRow(row);
    });
  }

  async get(id: string): Promise<Extension | undefined> {
    const row = await selectRow<ExtensionRow>(this.pool, "SELECT * FROM extensions WHERE id = $1", [id]);
    return row && extensionFromRow(row);
  }

  async setMessage(id: string, channel: string, ts: string): Promise<void> {
    await this.pool.query("UPDATE extensions SET approval_channel = $2, approval_ts = $3 WHERE id = $1", [id, channel, ts]);
  }

  async approve(
    id: string,
    approverId: string,
    at: number,
    decide: DecideApproval<Extension>,
    note: ApprovalNote,
  ): Promise<RecordedApproval<Extension> | undefined> {
    return inTransaction(this.pool, async (client) => {
      // The row lock makes concurrent approvals of one extension take turns, so exactly one sees the quorum.
      const row = await selectRow<ExtensionRow>(client, "SELECT * FROM extensions WHERE id = $1 FOR UPDATE", [id]);
      if (!row) return undefined;
      const outcome = decide(extensionFromRow(row), await approverIds(client, id));
      if (recordsApproval(outcome)) await addApprover(client, id, approverId, this.clock.now());
      let extension = extensionFromRow(row);
      if (outcome.kind === "approved") {
        const approved = await selectRow<ExtensionRow>(
          client,
          "UPDATE extensions SET status = 'approved', decided_by = $2, decided_at = $3 WHERE id = $1 AND status = 'pending' RETURNING *",
          [id, approverId, at],
        );
        if (!approved) throw new Error(`extension ${id} changed inside a transaction`);
        extension = extensionFromRow(approved);
      }
      if (outcome.audit) {
        const detail = { ...note.detail, extensionId: id, extraMs: row.extra_ms, ...tallyOf(outcome) };
        await appendGrantNote(client, this.clock, row.grant_id, { ...note, action: outcome.audit, detail });
      }
      return { subject: extension, outcome };
    });
  }

  async close(
    id: string,
    status: "denied" | "expired",
    deciderId: string | null,
    at: number,
    note: AuditNote,
  ): Promise<Extension | undefined> {
    return inTransaction(this.pool, async (client) => {
      const row = await selectRow<ExtensionRow>(
        client,
        "UPDATE extensions SET status = $2, decided_by = $3, decided_at = $4 WHERE id = $1 AND status = 'pending' RETURNING *",
        [id, status, deciderId, at],
      );
      if (!row) return undefined;
      const closed = extensionFromRow(row);
      await appendGrantNote(client, this.clock, closed.grantId, {
        ...note,
        detail: { ...note.detail, extensionId: id, extraMs: closed.extraMs },
      });
      return closed;
    });
  }

  async listPending(): Promise<Extension[]> {
    const rows = await selectRows<ExtensionRow>(this.pool, "SELECT * FROM extensions WHERE status = 'pending' ORDER BY created_at");
    return rows.map(extensionFromRow);
  }
}
