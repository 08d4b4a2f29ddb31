// The first schema: grants with their state, and the append-only audit trail.

export const GRANTS_AND_AUDIT = `
  CREATE TABLE grants (
    id                TEXT PRIMARY KEY,
    requester_id      TEXT NOT NULL,
    requester_team_id TEXT NOT NULL,
    requester_email   TEXT,
    account_id        TEXT NOT NULL,
    permission_set    TEXT NOT NULL,
    duration_ms       INTEGER NOT NULL CHECK (duration_ms > 0),
    justification     TEXT NOT NULL,
    rule_name         TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN
                        ('pending','approved','denied','provisioning','active','failed','revoking','revoked')),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    decided_by        TEXT,
    decided_at        INTEGER,
    approval_channel  TEXT,
    approval_ts       TEXT,
    principal_id      TEXT,
    keeps_assignment  INTEGER NOT NULL DEFAULT 0 CHECK (keeps_assignment IN (0, 1)),
    operation_id      TEXT,
    activated_at      INTEGER,
    expires_at        INTEGER,
    ended_at          INTEGER,
    failure_reason    TEXT,
    CHECK (status <> 'active' OR (expires_at IS NOT NULL AND principal_id IS NOT NULL))
  );
  CREATE INDEX grants_by_status_expiry ON grants (status, expires_at);
  CREATE INDEX grants_by_requester ON grants (requester_id, created_at);
  CREATE INDEX grants_holding ON grants (account_id, permission_set, principal_id)
    WHERE status IN ('provisioning', 'active');

  CREATE TABLE audit_events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    action         TEXT NOT NULL,
    actor_id       TEXT NOT NULL,
    grant_id       TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    permission_set TEXT NOT NULL,
    detail         TEXT NOT NULL,
    delivered_at   INTEGER
  );
  CREATE INDEX audit_undelivered ON audit_events (seq) WHERE delivered_at IS NULL;
  CREATE INDEX audit_by_grant ON audit_events (grant_id, seq);

  -- The audit trail is append-only: only the delivery mark may ever change.
  CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
  CREATE TRIGGER audit_events_no_update
  BEFORE UPDATE OF seq, at, action, actor_id, grant_id, account_id, permission_set, detail ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
`;
