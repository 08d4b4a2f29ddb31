// The audit post under way: which records the feed is posting to the audit channel, written before
// the post and cleared when they are marked delivered. A note still here at the next delivery
// means the post was interrupted, so the feed checks the channel before posting those records again.

export const AUDIT_POSTING = `
  CREATE TABLE audit_posting (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    first_seq  INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL CHECK (last_seq >= first_seq),
    started_at INTEGER NOT NULL
  );
`;
