// Requests that expire or are withdrawn, tickets, break-glass review, expiry warnings, quorum
// approvals and extensions. SQLite cannot change a CHECK constraint in place, so the grants table
// is rebuilt (the migration runner turns foreign keys off around migrations, as SQLite advises).

export const REQUEST_UX = `
  CREATE TABLE grants_new (
    id                TEXT PRIMARY KEY,
    requester_id      TEXT NOT NULL,
    requester_team_id TEXT NOT NULL,
    requester_email   TEXT,
    account_id        TEXT NOT NULL,
    permission_set    TEXT NOT NULL,
    duration_ms       INTEGER NOT NULL CHECK (duration_ms > 0),
    justification     TEXT NOT NULL,
    ticket            TEXT,
    rule_name         TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN
                        ('pending','approved','denied','expired','cancelled','provisioning','active','failed','revoking','revoked')),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    decided_by        TEXT,
    decided_at        INTEGER,
    decision_reason   TEXT,
    break_glass       INTEGER NOT NULL DEFAULT 0 CHECK (break_glass IN (0, 1)),
    reviewed_by       TEXT,
    reviewed_at       INTEGER,
    approval_channel  TEXT,
    approval_ts       TEXT,
    principal_id      TEXT,
    keeps_assignment  INTEGER NOT NULL DEFAULT 0 CHECK (keeps_assignment IN (0, 1)),
    activated_at      INTEGER,
    expires_at        INTEGER,
    warned_at         INTEGER,
    ended_at          INTEGER,
    failure_reason    TEXT,
    CHECK (status <> 'active' OR (expires_at IS NOT NULL AND principal_id IS NOT NULL))
  );
  INSERT INTO grants_new (id, requester_id, requester_team_id, requester_email, account_id, permission_set, duration_ms,
      justification, rule_name, status, created_at, updated_at, decided_by, decided_at, approval_channel, approval_ts,
      principal_id, keeps_assignment, activated_at, expires_at, ended_at, failure_reason)
    SELECT id, requester_id, requester_team_id, requester_email, account_id, permission_set, duration_ms,
      justification, rule_name, status, created_at, updated_at, decided_by, decided_at, approval_channel, approval_ts,
      principal_id, keeps_assignment, activated_at, expires_at, ended_at, failure_reason
    FROM grants;
  DROP TABLE grants;
  ALTER TABLE grants_new RENAME TO grants;
  CREATE INDEX grants_by_status_expiry ON grants (status, expires_at);
  CREATE INDEX grants_by_requester ON grants (requester_id, created_at);
  CREATE INDEX grants_holding ON grants (account_id, permission_set, principal_id)
    WHERE status IN ('provisioning', 'active');
  CREATE INDEX grants_pending_since ON grants (created_at) WHERE status = 'pending';
  CREATE INDEX grants_unreviewed ON grants (created_at) WHERE break_glass = 1 AND reviewed_at IS NULL;

  -- One row per distinct approver of a request or an extension: a quorum counts rows.
  CREATE TABLE approvals (
    subject_id  TEXT NOT NULL,
    approver_id TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (subject_id, approver_id)
  );

  CREATE TABLE extensions (
    id               TEXT PRIMARY KEY,
    grant_id         TEXT NOT NULL REFERENCES grants (id),
    requester_id     TEXT NOT NULL,
    extra_ms         INTEGER NOT NULL CHECK (extra_ms > 0),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    created_at       INTEGER NOT NULL,
    decided_by       TEXT,
    decided_at       INTEGER,
    approval_channel TEXT,
    approval_ts      TEXT
  );
  CREATE INDEX extensions_by_grant ON extensions (grant_id, created_at);
`;
