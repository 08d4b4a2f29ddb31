// Extensions in SQLite: their own table, approvals shared with requests, audit on the grant.
import type { AuditNote } from "../domain/audit-event.js";
import type { Extension, NewExtension } from "../domain/extension.js";
import type { ExtensionOutcome, ExtensionStore } from "../services/ports.js";
import { prepared, type SqliteDatabase } from "./database.js";
import { groupCommit, type GroupCommit } from "./group-commit.js";
import { extensionFromRow, type ExtensionRow } from "./extension-rows.js";
import type { SqliteStore } from "./sqlite-store.js";

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
      this.grants.appendNote(extension.grantId, { ...note, detail: { ...note.detail, extensionId: extension.id, extraMs: extension.extraMs } });
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

  async approve(id: string, approverId: string, required: number, at: number, note: AuditNote): Promise<ExtensionOutcome> {
    return this.commits.run((): ExtensionOutcome => {
      const current = this.select.get(id);
      if (current?.status !== "pending") return { kind: "not-pending", extension: current && extensionFromRow(current) };
      const counted = this.grants.recordApproval(id, approverId);
      const approvals = this.grants.countApprovals(id);
      if (!counted) return { kind: "duplicate", extension: extensionFromRow(current), approvals };
      const detail = { ...note.detail, extensionId: id, extraMs: current.extra_ms, approvals, required };
      if (approvals < required) {
        this.grants.appendNote(current.grant_id, { ...note, action: "approval_recorded", detail });
        return { kind: "counted", extension: extensionFromRow(current), approvals };
      }
      prepared(this.db, "UPDATE extensions SET status = 'approved', decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'")
        .run(approverId, at, id);
      return { kind: "approved", extension: this.mustGet(id), approvals };
    });
  }

  async close(id: string, status: "denied" | "expired", deciderId: string | null, at: number, note: AuditNote): Promise<Extension | undefined> {
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
    return prepared<[], ExtensionRow>(this.db, "SELECT * FROM extensions WHERE status = 'pending' ORDER BY created_at").all()
      .map(extensionFromRow);
  }

  private mustGet(id: string): Extension {
    const row = this.select.get(id);
    if (!row) throw new Error(`extension ${id} vanished inside a transaction`);
    return extensionFromRow(row);
  }
}
