// Where each approver's direct message about a request went (notifyApprovers), so every copy is
// updated with the outcome, after a restart too, and none keeps live Approve/Deny buttons.

export const APPROVER_MESSAGES = `
  CREATE TABLE approver_messages (
    grant_id TEXT NOT NULL REFERENCES grants (id),
    channel  TEXT NOT NULL,
    ts       TEXT NOT NULL,
    PRIMARY KEY (grant_id, channel, ts)
  ) WITHOUT ROWID;
`;
