// The session fence: its entries (a user's sessions on an account and permission set opened before
// fenced_at are denied until lift_at), and the operation kind 'fence' beside the two assignment
// changes. SQLite cannot change a CHECK in place, so operations is rebuilt as in 010, keeping its
// rows, its indexes and its AUTOINCREMENT counter (so no id is handed out twice).

export const SESSION_FENCE = `
  CREATE TABLE fence_entries (
    principal_id   TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    permission_set TEXT NOT NULL,
    fenced_at      INTEGER NOT NULL,
    lift_at        INTEGER NOT NULL CHECK (lift_at >= fenced_at),
    grant_id       TEXT NOT NULL REFERENCES grants (id),
    PRIMARY KEY (principal_id, account_id, permission_set)
  );
  CREATE INDEX fence_entries_by_lift ON fence_entries (lift_at);

  CREATE TABLE operations_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    grant_id       TEXT REFERENCES grants (id),
    kind           TEXT NOT NULL CHECK (kind IN ('create', 'delete', 'fence')),
    account_id     TEXT NOT NULL,
    permission_set TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    principal_type TEXT NOT NULL DEFAULT 'USER' CHECK (principal_type IN ('USER', 'GROUP')),
    state          TEXT NOT NULL CHECK (state IN ('intended', 'started', 'succeeded', 'failed', 'absent', 'abandoned')),
    request_id     TEXT,
    failure_reason TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
  );
  INSERT INTO operations_new (id, grant_id, kind, account_id, permission_set, principal_id, principal_type, state, request_id,
      failure_reason, created_at, updated_at)
    SELECT id, grant_id, kind, account_id, permission_set, principal_id, principal_type, state, request_id,
      failure_reason, created_at, updated_at
    FROM operations;
  DELETE FROM sqlite_sequence WHERE name = 'operations_new';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'operations_new', seq FROM sqlite_sequence WHERE name = 'operations';
  DROP TABLE operations;
  ALTER TABLE operations_new RENAME TO operations;
  CREATE INDEX operations_by_grant ON operations (grant_id, id);
  CREATE INDEX operations_by_target ON operations (account_id, permission_set, principal_id, id);
  CREATE INDEX operations_unfinished ON operations (id) WHERE state IN ('intended', 'started');
`;
