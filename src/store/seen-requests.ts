// Which signed Slack requests have been seen, so an exact replay inside Slack's five-minute window
// (the same body, timestamp and signature, captured on the way and sent again) is refused. Kept in
// the database, so a restart, or another replica, refuses it too.

export interface SeenRequests {
  /**
   * Records the request's signature until `expiresAt` (epoch ms, when its timestamp leaves the
   * window and Slack's signature check refuses it anyway). False if it was already recorded.
   */
  firstSight(signature: string, expiresAt: number): Promise<boolean>;
}
