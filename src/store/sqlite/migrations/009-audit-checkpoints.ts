// Signed checkpoints of the audit chain (see audit/checkpoint.ts), as append-only as the records
// they cover, and how far each independent copy (a sink: a file, an object store, the channel) has
// received the trail. A checkpoint is named by the last record it covers.

export const AUDIT_CHECKPOINTS = `
  CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY CHECK (seq > 0),
    hash      TEXT NOT NULL,
    at        INTEGER NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
  );
  CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
  CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;

  CREATE TABLE audit_sink_progress (
    sink        TEXT PRIMARY KEY,
    through_seq INTEGER NOT NULL
  );
`;
