// The audit channel as an independent copy of the trail: each checkpoint is posted there with its
// signature (records reach it through the feed, each post carrying their seqs and short hashes),
// and `jit-admin audit verify --anchors slack` reads it back with conversations.history.
//
// The bot's token can edit and delete its own posts, so the channel is a copy against someone who
// holds the database but not the token. Slack marks an edited message with `edited` (user, ts),
// which the reading reports as an alarm (the bot never edits an audit post); a deleted post leaves a
// gap in the seqs, an alarm too.
import type { WebClient } from "@slack/web-api";
import { checkpointJson, parseCheckpoint, type Checkpoint } from "../../audit/checkpoint.js";
import type { AuditSink, SinkCopy } from "../../audit/sinks.js";
import { slackErrorCode } from "./api-errors.js";
import { parseAuditBlockId } from "../views/audit-text.js";
import { slackDate } from "../views/escape.js";

const CHECKPOINT_BLOCK = /^audit-checkpoint-(\d+)$/;
/** The checkpoint as JSON in a code span on the block's last line: what a verifier parses. */
const CHECKPOINT_JSON = /\n`(\{[^`]*\})`$/;

export function checkpointMessage(checkpoint: Checkpoint): { text: string; blocks: object[] } {
  const summary = `:lock: *checkpoint* · records up to #${checkpoint.seq} signed ${slackDate(checkpoint.at)} with key \`${checkpoint.keyId}\``;
  return {
    text: `Audit checkpoint: records up to #${checkpoint.seq} signed`,
    blocks: [
      {
        type: "section",
        block_id: `audit-checkpoint-${checkpoint.seq}`,
        text: { type: "mrkdwn", text: `${summary}\n\`${checkpointJson(checkpoint)}\`` },
      },
    ],
  };
}

/** Posts each checkpoint to the audit channel; the feed posts the records. */
export class SlackCheckpointSink implements AuditSink {
  readonly name = "slack";
  readonly keepsRecords = false;

  constructor(
    /** Built with AUDIT_CLIENT_OPTIONS: a rate-limited post fails, and the checkpointer tries again later. */
    private readonly client: WebClient,
    private readonly channel: string,
  ) {}

  async writeRecords(): Promise<void> {}

  async writeCheckpoint(checkpoint: Checkpoint): Promise<void> {
    const message = checkpointMessage(checkpoint);
    try {
      await this.client.chat.postMessage({ channel: this.channel, ...message, unfurl_links: false, unfurl_media: false });
    } catch (error) {
      throw new Error(`chat.postMessage of the checkpoint failed: ${slackErrorCode(error)}`, { cause: error });
    }
  }
}

interface HistoryMessage {
  readonly user?: string;
  readonly ts?: string;
  readonly edited?: { readonly user?: string; readonly ts?: string };
  readonly blocks?: readonly { readonly block_id?: string; readonly text?: { readonly text?: string } }[];
}

/** What the audit channel holds of the trail: every post of the bot's, read a page at a time. */
export async function readAuditChannel(client: WebClient, channel: string): Promise<SinkCopy> {
  const { user_id: botUserId } = await client.auth.test();
  const recordHashes = new Map<number, string>();
  const checkpoints: Checkpoint[] = [];
  const notes: string[] = [];
  const alarms: string[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await client.conversations.history({ channel, limit: 200, ...(cursor ? { cursor } : {}) });
    for (const message of (page.messages ?? []) as HistoryMessage[]) {
      if (message.user !== botUserId) continue;
      const seqs = readBlocks(message, recordHashes, checkpoints, notes, alarms);
      if (message.edited && seqs.length > 0) {
        alarms.push(
          `the post of ${describeSeqs(seqs)} (ts ${message.ts ?? "?"}) was edited at ts ${message.edited.ts ?? "?"}: its copy may not be what was first posted`,
        );
      }
    }
    cursor = page.response_metadata?.next_cursor || undefined;
    if (!page.has_more || !cursor) break;
  }
  const gaps = missingRuns([...recordHashes.keys()]);
  // The feed posts every record in order, so a record missing between two posted ones was deleted.
  if (gaps.length > 0) alarms.push(`posts of ${gaps.join(", ")} are missing between posts that are there (deleted)`);
  return { recordHashes, checkpoints, notes, alarms };
}

/** The records' short hashes and the checkpoints in one message; the seqs it carries. */
function readBlocks(
  message: HistoryMessage,
  hashes: Map<number, string>,
  checkpoints: Checkpoint[],
  notes: string[],
  alarms: string[],
): string[] {
  const seqs: string[] = [];
  for (const block of message.blocks ?? []) {
    const id = block.block_id ?? "";
    const record = parseAuditBlockId(id);
    if (record?.shortHash) {
      const earlier = hashes.get(record.seq);
      if (earlier !== undefined && earlier !== record.shortHash)
        alarms.push(`record #${record.seq} was posted twice with different hashes`);
      hashes.set(record.seq, record.shortHash);
      seqs.push(`#${record.seq}`);
      continue;
    }
    if (!CHECKPOINT_BLOCK.test(id)) continue;
    const json = CHECKPOINT_JSON.exec(block.text?.text ?? "")?.[1];
    let checkpoint: Checkpoint | undefined;
    try {
      checkpoint = json === undefined ? undefined : parseCheckpoint(JSON.parse(json));
    } catch {
      checkpoint = undefined;
    }
    if (checkpoint) {
      checkpoints.push(checkpoint);
      seqs.push(`the checkpoint for #${checkpoint.seq}`);
    } else notes.push(`the checkpoint post ${id} (ts ${message.ts ?? "?"}) cannot be read`);
  }
  return seqs;
}

function describeSeqs(seqs: readonly string[]): string {
  return seqs.length <= 3 ? seqs.join(", ") : `${seqs[0]} to ${seqs.at(-1)}`;
}

/** Runs of seqs absent between the lowest and highest present, as "record #n" or "records #a–#b". */
function missingRuns(present: readonly number[]): string[] {
  const sorted = [...present].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 1; i < sorted.length; i += 1) {
    const before = sorted[i - 1] ?? 0;
    const after = sorted[i] ?? 0;
    if (after - before === 2) runs.push(`record #${before + 1}`);
    else if (after - before > 2) runs.push(`records #${before + 1}–#${after - 1}`);
  }
  return runs;
}
