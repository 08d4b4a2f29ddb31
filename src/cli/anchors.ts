// The independent copies `jit-admin audit verify --anchors …` compares the database with, read
// through the bot's own configuration.
import { WebClient } from "@slack/web-api";
import { readFileCopy } from "../audit/file-sink.js";
import { createS3Client } from "../aws/clients.js";
import { readS3Copy } from "../aws/s3-anchor.js";
import type { SinkCopy } from "../audit/sinks.js";
import type { FoundCheckpoint } from "../audit/verify-trail.js";
import type { Config } from "../config/env.js";
import { slackClientOptions } from "../runtime.js";
import { readAuditChannel } from "../slack/adapters/audit-channel-copy.js";
import { UsageError } from "./io.js";

const ANCHORS = ["slack", "s3", "file"] as const;
export type Anchor = (typeof ANCHORS)[number];

export interface AnchorCopies {
  readonly copies: { readonly name: string; readonly copy: SinkCopy }[];
  readonly checkpoints: FoundCheckpoint[];
}

/** `--anchors slack,s3` or `--anchors slack --anchors s3`, each known, none twice. */
export function parseAnchors(values: readonly string[]): Anchor[] {
  const names = values
    .flatMap((value) => value.split(","))
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(ANCHORS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new UsageError(`--anchors takes ${ANCHORS.join(", ")}, not ${unknown.map((name) => `"${name}"`).join(", ")}.`);
  return [...new Set(names)] as Anchor[];
}

export interface AnchorSources {
  /** The bot's configuration, loaded only when an anchor needs it. */
  readonly config: () => Config;
  /** --anchor-file: a copy of the anchor file, instead of JIT_AUDIT_ANCHOR_FILE. */
  readonly file: string | undefined;
}

export async function readAnchors(anchors: readonly Anchor[], sources: AnchorSources): Promise<AnchorCopies> {
  const result: AnchorCopies = { copies: [], checkpoints: [] };
  for (const anchor of anchors) {
    const { name, copy } = await readAnchor(anchor, sources);
    result.copies.push({ name, copy });
    result.checkpoints.push(...copy.checkpoints.map((checkpoint) => ({ checkpoint, from: name })));
  }
  return result;
}

async function readAnchor(anchor: Anchor, sources: AnchorSources): Promise<{ name: string; copy: SinkCopy }> {
  switch (anchor) {
    case "slack":
      return { name: "the audit channel", copy: await readChannel(sources.config()) };
    case "s3": {
      const config = sources.config();
      const anchor = config.audit.s3;
      if (!anchor) throw new UsageError("--anchors s3 needs JIT_AUDIT_S3_BUCKET (and JIT_AUDIT_S3_PREFIX, if not the default).");
      const { client, destroy } = createS3Client(config.aws.assumeRoleArn);
      try {
        return { name: `s3://${anchor.bucket}/${anchor.prefix}`, copy: await readS3Copy(client, anchor.bucket, anchor.prefix) };
      } catch (error) {
        throw new Error(`Cannot read s3://${anchor.bucket}/${anchor.prefix}: ${(error as Error).message}`, { cause: error });
      } finally {
        destroy();
      }
    }
    case "file": {
      const file = sources.file ?? sources.config().audit.anchorFile;
      if (!file) throw new UsageError("--anchors file needs JIT_AUDIT_ANCHOR_FILE, or a copy of the file named with --anchor-file <path>.");
      try {
        return { name: `the anchor file ${file}`, copy: await readFileCopy(file) };
      } catch (error) {
        throw new Error(`Cannot read the anchor file ${file}: ${(error as Error).message}`, { cause: error });
      }
    }
  }
}

async function readChannel(config: Config): Promise<SinkCopy> {
  const client = new WebClient(config.slack.botToken, slackClientOptions(config));
  try {
    return await readAuditChannel(client, config.auditChannel);
  } catch (error) {
    throw new Error(`Cannot read the audit channel ${config.auditChannel} (conversations.history): ${(error as Error).message}`, {
      cause: error,
    });
  }
}
