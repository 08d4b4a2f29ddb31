// Reconciliation removes standing access no grant explains through the operation log too, so an
// operation may belong to no grant, and it records whether it changed a user's or a group's
// assignment. SQLite cannot drop a NOT NULL in place, so the table is rebuilt (see 004).

export const UNATTACHED_OPERATIONS = `
  CREATE TABLE operations_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    grant_id       TEXT REFERENCES grants (id),
    kind           TEXT NOT NULL CHECK (kind IN ('create', 'delete')),
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
  INSERT INTO operations_new (id, grant_id, kind, account_id, permission_set, principal_id, state, request_id,
      failure_reason, created_at, updated_at)
    SELECT id, grant_id, kind, account_id, permission_set, principal_id, state, request_id,
      failure_reason, created_at, updated_at
    FROM operations;
  DROP TABLE operations;
  ALTER TABLE operations_new RENAME TO operations;
  CREATE INDEX operations_by_grant ON operations (grant_id, id);
  CREATE INDEX operations_by_target ON operations (account_id, permission_set, principal_id, id);
  CREATE INDEX operations_unfinished ON operations (id) WHERE state IN ('intended', 'started');
`;
