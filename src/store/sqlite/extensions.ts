// Extensions in SQLite: their own table, approvals shared with requests, audit on the grant.
import type { AuditNote } from "../../domain/audit-event.js";
import type { Extension, NewExtension } from "../../domain/extension.js";
import { recordsApproval, tallyOf } from "../../domain/approval.js";
import type { ApprovalNote, DecideApproval, ExtensionStore, RecordedApproval } from "../../services/ports.js";
import { prepared, type SqliteDatabase } from "./database.js";
import { groupCommit, type GroupCommit } from "./group-commit.js";
import { extensionFromRow, type ExtensionRow } from "../extension-rows.js";
import type { SqliteStore } from "./grant-store.js";

export class SqliteExtensions implements ExtensionStore {
  private readonly select;
  private readonly commits: GroupCommit;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly grants: SqliteStore,
  ) {
    this.select = db.prepare<[string], ExtensionRow>("SELECT * FROM extensions WHERE id = ?");
    this.commits = groupCommit(db);
  }

  async insert(extension: NewExtension, note: AuditNote): Promise<Extension> {
    return this.commits.run(() => {
      prepared(
        this.db,
        `INSERT INTO extensions (id, grant_id, requester_id, extra_ms, status, created_at)
           VALUES (@id, @grantId, @requesterId, @extraMs, 'pending', @createdAt)`,
      ).run(extension);
      this.grants.appendNote(extension.grantId, {
        ...note,
        detail: { ...note.detail, extensionId: extension.id, extraMs: extension.extraMs },
      });
      return this.mustGet(extension.id);
    });
  }

  async get(id: string): Promise<Extension | undefined> {
    const row = this.select.get(id);
    return row && extensionFromRow(row);
  }

  async setMessage(id: string, channel: string, ts: string): Promise<void> {
    await this.commits.run(() =>
      prepared(this.db, "UPDATE extensions SET approval_channel = ?, approval_ts = ? WHERE id = ?").run(channel, ts, id),
    );
  }

  async approve(
    id: string,
    approverId: string,
    at: number,
    decide: DecideApproval<Extension>,
    note: ApprovalNote,
  ): Promise<RecordedApproval<Extension> | undefined> {
    return this.commits.run(() => {
      const row = this.select.get(id);
      if (!row) return undefined;
      const outcome = decide(extensionFromRow(row), this.grants.approverIds(id));
      if (recordsApproval(outcome)) this.grants.addApprover(id, approverId);
      if (outcome.kind === "approved") {
        const { changes } = prepared(
          this.db,
          "UPDATE extensions SET status = 'approved', decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
        ).run(approverId, at, id);
        if (changes !== 1) throw new Error(`extension ${id} changed inside a transaction`);
      }
      if (outcome.audit) {
        const detail = { ...note.detail, extensionId: id, extraMs: row.extra_ms, ...tallyOf(outcome) };
        this.grants.appendNote(row.grant_id, { ...note, action: outcome.audit, detail });
      }
      return { subject: this.mustGet(id), outcome };
    });
  }

  async close(
    id: string,
    status: "denied" | "expired",
    deciderId: string | null,
    at: number,
    note: AuditNote,
  ): Promise<Extension | undefined> {
    return this.commits.run(() => {
      const { changes } = prepared(
        this.db,
        "UPDATE extensions SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
      ).run(status, deciderId, at, id);
      if (changes !== 1) return undefined;
      const closed = this.mustGet(id);
      this.grants.appendNote(closed.grantId, { ...note, detail: { ...note.detail, extensionId: id, extraMs: closed.extraMs } });
      return closed;
    });
  }

  async listPending(): Promise<Extension[]> {
    return prepared<[], ExtensionRow>(this.db, "SELECT * FROM extensions WHERE status = 'pending' ORDER BY created_at")
      .all()
      .map(extensionFromRow);
  }

  private mustGet(id: string): Extension {
    const row = this.select.get(id);
    if (!row) throw new Error(`extension ${id} vanished inside a transaction`);
    return extensionFromRow(row);
  }
}
