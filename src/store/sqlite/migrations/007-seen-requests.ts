// Signatures of the Slack requests seen in the last five minutes, so a replay is refused even by a
// bot restarted since it first arrived.

export const SEEN_REQUESTS = `
  CREATE TABLE seen_requests (
    signature  TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX seen_requests_by_expiry ON seen_requests (expires_at);
`;
