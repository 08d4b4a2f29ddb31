// Leases: which process works on an item (a grant's AWS work, an assignment, the audit outbox) and
// until when. One SQLite file has one bot, but the admin CLI shares it, and the services take
// leases the same way whichever database holds them.

export const LEASES = `
  CREATE TABLE leases (
    key        TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
`;
