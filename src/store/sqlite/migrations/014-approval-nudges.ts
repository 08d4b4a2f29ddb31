// Escalations and reminders of pending requests (escalateAfter, remindEvery): when each was made,
// so a restart or a second process never escalates a request twice or reminds it too often.

export const APPROVAL_NUDGES = `
  CREATE TABLE approval_nudges (
    grant_id     TEXT PRIMARY KEY REFERENCES grants (id),
    escalated_at INTEGER,
    reminded_at  INTEGER
  ) WITHOUT ROWID;
`;
