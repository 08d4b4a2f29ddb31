// Group access: a grant may be of Identity Center group membership (group_id, the group's name and
// what it was assigned when requested, JSON), and the operation log records membership changes
// (kinds add-member and remove-member, with the group in group_id; account_id and permission_set
// are empty for them). SQLite cannot change a CHECK in place, so operations is rebuilt as in 011,
// keeping its rows, its indexes and its AUTOINCREMENT counter.

export const GROUP_ACCESS = `
  ALTER TABLE grants ADD COLUMN group_id TEXT;
  ALTER TABLE grants ADD COLUMN group_name TEXT;
  ALTER TABLE grants ADD COLUMN group_access TEXT NOT NULL DEFAULT '[]';
  CREATE INDEX grants_by_group ON grants (group_id, principal_id) WHERE group_id IS NOT NULL;

  CREATE TABLE operations_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    grant_id       TEXT REFERENCES grants (id),
    kind           TEXT NOT NULL CHECK (kind IN ('create', 'delete', 'fence', 'add-member', 'remove-member')),
    account_id     TEXT NOT NULL,
    permission_set TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    principal_type TEXT NOT NULL DEFAULT 'USER' CHECK (principal_type IN ('USER', 'GROUP')),
    group_id       TEXT,
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
  CREATE INDEX operations_by_membership ON operations (group_id, principal_id, id) WHERE group_id IS NOT NULL;
  CREATE INDEX operations_unfinished ON operations (id) WHERE state IN ('intended', 'started');
`;
