// Activity digests: one job per ended grant, made by a trigger in the transaction that moves the
// grant to revoked (so no ended grant is ever without one), worked through pending → collected →
// posting → posted by compare-and-set, and the review of a digest that needs one.

export const ACTIVITY_DIGESTS = `
  CREATE TABLE activity_digests (
    grant_id     TEXT PRIMARY KEY REFERENCES grants (id),
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'collected', 'posting', 'posted')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    retry_at     INTEGER,
    digest       TEXT,
    needs_review INTEGER NOT NULL DEFAULT 0,
    reviewed_by  TEXT,
    reviewed_at  INTEGER,
    channel      TEXT,
    ts           TEXT,
    created_at   INTEGER NOT NULL
  );
  CREATE INDEX activity_digests_unfinished ON activity_digests (created_at) WHERE state <> 'posted';
  CREATE INDEX activity_digests_to_review ON activity_digests (created_at) WHERE needs_review = 1 AND reviewed_at IS NULL;

  CREATE TRIGGER activity_digest_job AFTER UPDATE OF status ON grants
    WHEN NEW.status = 'revoked' AND OLD.status <> 'revoked'
  BEGIN
    INSERT OR IGNORE INTO activity_digests (grant_id, created_at) VALUES (NEW.id, COALESCE(NEW.ended_at, NEW.updated_at));
  END;
`;
