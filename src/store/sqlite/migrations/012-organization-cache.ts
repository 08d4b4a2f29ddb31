// The organization as last read from AWS Organizations (one row: every replica and jit-admin share
// it), and on each grant the reason it was last reported as having left the policy, so the report
// is made once across restarts and replicas.

export const ORGANIZATION_CACHE = `
  CREATE TABLE organization_snapshot (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    read_at  INTEGER NOT NULL,
    read_by  TEXT NOT NULL,
    snapshot TEXT NOT NULL
  );
  ALTER TABLE grants ADD COLUMN left_policy_reason TEXT;
`;
