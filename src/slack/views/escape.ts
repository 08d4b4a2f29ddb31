// Slack reads &, < and > as control characters in mrkdwn: `<!channel>` pings, `<@U1>` mentions.
// Escaping them is Slack's documented way to show user text literally.

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A date Slack renders in each reader's own time zone, with a UTC fallback. */
export function slackDate(epochMs: number): string {
  const seconds = Math.floor(epochMs / 1000);
  const fallback = `${new Date(epochMs).toISOString().replace("T", " ").slice(0, 16)} UTC`;
  return `<!date^${seconds}^{date_short_pretty} at {time}|${fallback}>`;
}

export function mention(userId: string): string {
  return /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}
