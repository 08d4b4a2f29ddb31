// The PostgreSQL schema, version 1: SQLite's final schema (after its migration 4) in one step, plus
// what several replicas need: the audit head that serialises the chain, and leases.
import { GENESIS_HASH } from "../../audit/chain.js";

export const INITIAL_SCHEMA = `
  CREATE TABLE grants (
    id                TEXT PRIMARY KEY,
    requester_id      TEXT NOT NULL,
    requester_team_id TEXT NOT NULL,
    requester_email   TEXT,
    account_id        TEXT NOT NULL,
    permission_set    TEXT NOT NULL,
    duration_ms       BIGINT NOT NULL CHECK (duration_ms > 0),
    justification     TEXT NOT NULL,
    ticket            TEXT,
    rule_name         TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN
                        ('pending','approved','denied','expired','cancelled','provisioning','active','failed','revoking','revoked')),
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    decided_by        TEXT,
    decided_at        BIGINT,
    decision_reason   TEXT,
    break_glass       SMALLINT NOT NULL DEFAULT 0 CHECK (break_glass IN (0, 1)),
    reviewed_by       TEXT,
    reviewed_at       BIGINT,
    approval_channel  TEXT,
    approval_ts       TEXT,
    principal_id      TEXT,
    keeps_assignment  SMALLINT NOT NULL DEFAULT 0 CHECK (keeps_assignment IN (0, 1)),
    activated_at      BIGINT,
    expires_at        BIGINT,
    warned_at         BIGINT,
    ended_at          BIGINT,
    failure_reason    TEXT,
    CHECK (status <> 'active' OR (expires_at IS NOT NULL AND principal_id IS NOT NULL))
  );
  CREATE INDEX grants_by_status_expiry ON grants (status, expires_at);
  CREATE INDEX grants_by_requester ON grants (requester_id, created_at);
  CREATE INDEX grants_holding ON grants (account_id, permission_set, principal_id)
    WHERE status IN ('provisioning', 'active');
  CREATE INDEX grants_pending_since ON grants (created_at) WHERE status = 'pending';
  CREATE INDEX grants_unreviewed ON grants (created_at) WHERE break_glass = 1 AND reviewed_at IS NULL;

  -- seq is not a sequence: each append takes the next number from audit_head, inside its own
  -- transaction, so a rolled-back append leaves no gap and records commit in seq order.
  CREATE TABLE audit_events (
    seq            BIGINT PRIMARY KEY CHECK (seq > 0),
    at             BIGINT NOT NULL,
    action         TEXT NOT NULL,
    actor_id       TEXT NOT NULL,
    grant_id       TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    permission_set TEXT NOT NULL,
    -- TEXT, not JSONB: the hash covers the detail as written, and JSONB would rewrite it.
    detail         TEXT NOT NULL,
    delivered_at   BIGINT,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
  );
  CREATE INDEX audit_undelivered ON audit_events (seq) WHERE delivered_at IS NULL;
  CREATE INDEX audit_by_grant ON audit_events (grant_id, seq);
  CREATE INDEX audit_by_time ON audit_events (at);

  CREATE TABLE audit_head (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
  );
  INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');

  CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
  END $$;

  -- The audit trail is append-only: only the delivery mark may ever change.
  CREATE FUNCTION audit_events_only_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF (NEW.seq, NEW.at, NEW.action, NEW.actor_id, NEW.grant_id, NEW.account_id, NEW.permission_set,
        NEW.detail, NEW.prev_hash, NEW.hash)
       IS DISTINCT FROM
       (OLD.seq, OLD.at, OLD.action, OLD.actor_id, OLD.grant_id, OLD.account_id, OLD.permission_set,
        OLD.detail, OLD.prev_hash, OLD.hash) THEN
      RAISE EXCEPTION 'audit_events is append-only';
    END IF;
    RETURN NEW;
  END $$;

  CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.id <> OLD.id OR NEW.seq <= OLD.seq THEN
      RAISE EXCEPTION 'audit_head only moves forward';
    END IF;
    RETURN NEW;
  END $$;

  CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
  CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
  CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_only_delivery();
  CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
  CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
  CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();

  CREATE TABLE operations (
    id             BIGSERIAL PRIMARY KEY,
    grant_id       TEXT NOT NULL REFERENCES grants (id),
    kind           TEXT NOT NULL CHECK (kind IN ('create', 'delete')),
    account_id     TEXT NOT NULL,
    permission_set TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('intended', 'started', 'succeeded', 'failed', 'absent', 'abandoned')),
    request_id     TEXT,
    failure_reason TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
  );
  CREATE INDEX operations_by_grant ON operations (grant_id, id);
  CREATE INDEX operations_by_target ON operations (account_id, permission_set, principal_id, id);

  -- One row per distinct approver of a request or an extension: a quorum counts rows.
  CREATE TABLE approvals (
    subject_id  TEXT NOT NULL,
    approver_id TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (subject_id, approver_id)
  );

  CREATE TABLE extensions (
    id               TEXT PRIMARY KEY,
    grant_id         TEXT NOT NULL REFERENCES grants (id),
    requester_id     TEXT NOT NULL,
    extra_ms         BIGINT NOT NULL CHECK (extra_ms > 0),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    created_at       BIGINT NOT NULL,
    decided_by       TEXT,
    decided_at       BIGINT,
    approval_channel TEXT,
    approval_ts      TEXT
  );
  CREATE INDEX extensions_by_grant ON extensions (grant_id, created_at);

  CREATE TABLE leases (
    key        TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
  );

  -- The audit post under way (see the SQLite migration 006-audit-posting for why).
  CREATE TABLE audit_posting (
    id         SMALLINT PRIMARY KEY CHECK (id = 1),
    first_seq  BIGINT NOT NULL,
    last_seq   BIGINT NOT NULL CHECK (last_seq >= first_seq),
    started_at BIGINT NOT NULL
  );
`;

/**
 * Version 2: signatures of the Slack requests seen in the last five minutes, to refuse replays.
 * Unlogged: no WAL, so the check before each ack never waits for a flush to disk. A server crash
 * or a failover empties it, which only lets a replay of the last five minutes through once.
 */
export const SEEN_REQUESTS = `
  CREATE UNLOGGED TABLE seen_requests (
    signature  TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX seen_requests_by_expiry ON seen_requests (expires_at);
`;

/** Version 3: where each approver's direct message about a request went (see the SQLite migration 008). */
export const APPROVER_MESSAGES = `
  CREATE TABLE approver_messages (
    grant_id TEXT NOT NULL REFERENCES grants (id),
    channel  TEXT NOT NULL,
    ts       TEXT NOT NULL,
    PRIMARY KEY (grant_id, channel, ts)
  );
`;

/** Version 4: signed checkpoints of the chain and the sinks' progress (see the SQLite migration 009-audit-checkpoints). */
export const AUDIT_CHECKPOINTS = `
  CREATE TABLE audit_checkpoints (
    seq       BIGINT PRIMARY KEY CHECK (seq > 0),
    hash      TEXT NOT NULL,
    at        BIGINT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
  );
  CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
  CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
  CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();

  CREATE TABLE audit_sink_progress (
    sink        TEXT PRIMARY KEY,
    through_seq BIGINT NOT NULL
  );
`;

/** Version 5: operations no grant owns, and whose assignment each changed (see the SQLite migration 010-unattached-operations). */
export const UNATTACHED_OPERATIONS = `
  ALTER TABLE operations ALTER COLUMN grant_id DROP NOT NULL;
  ALTER TABLE operations ADD COLUMN principal_type TEXT NOT NULL DEFAULT 'USER' CHECK (principal_type IN ('USER', 'GROUP'));
  CREATE INDEX operations_unfinished ON operations (id) WHERE state IN ('intended', 'started');
`;

/** Drops the check on operations.kind by whatever name it has, so a migration can add the kinds it needs. */
const DROP_KIND_CHECK = `  DO $$
  DECLARE
    old_check name;
  BEGIN
    FOR old_check IN
      SELECT c.conname FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attname = 'kind'
       WHERE c.conrelid = 'operations'::regclass AND c.contype = 'c' AND c.conkey = ARRAY[a.attnum]
    LOOP
      EXECUTE format('ALTER TABLE operations DROP CONSTRAINT %I', old_check);
    END LOOP;
  END $$;
`;

/**
 * Version 6: the session fence's entries and the operation kind 'fence' (see the SQLite migration
 * 011-session-fence). The kind's check is found by what it constrains rather than by name: version
 * 1 left its name to PostgreSQL (operations_kind_check by default, but a restored or hand-made
 * database may differ). Every check on the kind column alone is replaced by one named here.
 */
export const SESSION_FENCE = `
  CREATE TABLE fence_entries (
    principal_id   TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    permission_set TEXT NOT NULL,
    fenced_at      BIGINT NOT NULL,
    lift_at        BIGINT NOT NULL CHECK (lift_at >= fenced_at),
    grant_id       TEXT NOT NULL REFERENCES grants (id),
    PRIMARY KEY (principal_id, account_id, permission_set)
  );
  CREATE INDEX fence_entries_by_lift ON fence_entries (lift_at);

${DROP_KIND_CHECK}  ALTER TABLE operations ADD CONSTRAINT operations_kind_check CHECK (kind IN ('create', 'delete', 'fence'));
`;

/** Version 7: the organization as last read, shared by every replica; a grant's left-policy report recorded once. */
export const ORGANIZATION_CACHE = `
  CREATE TABLE organization_snapshot (
    id       SMALLINT PRIMARY KEY CHECK (id = 1),
    read_at  BIGINT NOT NULL,
    read_by  TEXT NOT NULL,
    snapshot TEXT NOT NULL
  );
  ALTER TABLE grants ADD COLUMN left_policy_reason TEXT;
`;

/** Version 8: multi-target requests, as SQLite's migration 013. */
export const REQUEST_BUNDLES = `
  ALTER TABLE grants ADD COLUMN bundle_id TEXT;
  CREATE INDEX grants_by_bundle ON grants (bundle_id) WHERE bundle_id IS NOT NULL;
`;

/** Version 9: escalations and reminders of pending requests, as SQLite's migration 014. */
export const APPROVAL_NUDGES = `
  CREATE TABLE approval_nudges (
    grant_id     TEXT PRIMARY KEY REFERENCES grants (id),
    escalated_at BIGINT,
    reminded_at  BIGINT
  );
`;

/** Version 10: activity digests, one job per ended grant, made by a trigger in the transaction that ends it (see the SQLite migration 016). */
export const ACTIVITY_DIGESTS = `
  CREATE TABLE activity_digests (
    grant_id     TEXT PRIMARY KEY REFERENCES grants (id),
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'collected', 'posting', 'posted')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    retry_at     BIGINT,
    digest       TEXT,
    needs_review BOOLEAN NOT NULL DEFAULT FALSE,
    reviewed_by  TEXT,
    reviewed_at  BIGINT,
    channel      TEXT,
    ts           TEXT,
    created_at   BIGINT NOT NULL
  );
  CREATE INDEX activity_digests_unfinished ON activity_digests (created_at) WHERE state <> 'posted';
  CREATE INDEX activity_digests_to_review ON activity_digests (created_at) WHERE needs_review AND reviewed_at IS NULL;

  CREATE FUNCTION activity_digest_job() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO activity_digests (grant_id, created_at) VALUES (NEW.id, COALESCE(NEW.ended_at, NEW.updated_at))
      ON CONFLICT (grant_id) DO NOTHING;
    RETURN NEW;
  END;
  $$;
  CREATE TRIGGER activity_digest_job AFTER UPDATE OF status ON grants
    FOR EACH ROW WHEN (NEW.status = 'revoked' AND OLD.status <> 'revoked') EXECUTE FUNCTION activity_digest_job();
`;

/**
 * Version 11: group access (see the SQLite migration 015-group-access): group grants' columns, the membership
 * changes' group, and the kinds add-member and remove-member in the operations check (dropped by
 * whatever name it has, as SESSION_FENCE does).
 */
export const GROUP_ACCESS = `
  ALTER TABLE grants ADD COLUMN group_id TEXT;
  ALTER TABLE grants ADD COLUMN group_name TEXT;
  ALTER TABLE grants ADD COLUMN group_access TEXT NOT NULL DEFAULT '[]';
  CREATE INDEX grants_by_group ON grants (group_id, principal_id) WHERE group_id IS NOT NULL;
  ALTER TABLE operations ADD COLUMN group_id TEXT;
  CREATE INDEX operations_by_membership ON operations (group_id, principal_id, id) WHERE group_id IS NOT NULL;

${DROP_KIND_CHECK}  ALTER TABLE operations ADD CONSTRAINT operations_kind_check
    CHECK (kind IN ('create', 'delete', 'fence', 'add-member', 'remove-member'));
`;
