// The operation log: every assignment change is written down before AWS is called, and its
// request id and outcome after, so a restart can follow up instead of guessing.

export const OPERATION_LOG = `
  CREATE TABLE operations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    grant_id       TEXT NOT NULL REFERENCES grants (id),
    kind           TEXT NOT NULL CHECK (kind IN ('create', 'delete')),
    account_id     TEXT NOT NULL,
    permission_set TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('intended', 'started', 'succeeded', 'failed', 'absent', 'abandoned')),
    request_id     TEXT,
    failure_reason TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
  );
  CREATE INDEX operations_by_grant ON operations (grant_id, id);
  CREATE INDEX operations_by_target ON operations (account_id, permission_set, principal_id, id);

  -- The request id in flight lived on the grant before; the operation log replaces it.
  ALTER TABLE grants DROP COLUMN operation_id;
`;
