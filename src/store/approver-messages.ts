// Where the copies of a request's approval message went besides the approvers' channel: each
// approver's direct message (notifyApprovers). Kept in the database, so a restarted bot, or another
// replica, updates every copy with the outcome.

export interface MessageLocation {
  readonly channel: string;
  readonly ts: string;
}

export interface ApproverMessages {
  /** Remembers one more copy of the grant's approval message (again: no change). */
  add(grantId: string, location: MessageLocation): Promise<void>;
  /** Every copy remembered for the grant. */
  of(grantId: string): Promise<MessageLocation[]>;
}
