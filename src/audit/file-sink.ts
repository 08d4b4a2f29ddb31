// A local append-only file of the trail, one JSON line per record and per checkpoint, for a log
// shipper to carry off the host. Each write is appended and flushed to disk before the sink's
// progress is recorded, so a crash in between repeats lines rather than losing them.
import { open, readFile } from "node:fs/promises";
import type { StoredAuditRecord } from "../domain/audit-event.js";
import type { Checkpoint } from "./checkpoint.js";
import { checkpointLine, copyOfLines, recordLine, type AuditSink, type SinkCopy } from "./sinks.js";

export class FileSink implements AuditSink {
  readonly name = "file";
  readonly keepsRecords = true;

  constructor(private readonly file: string) {}

  writeRecords(records: readonly StoredAuditRecord[]): Promise<void> {
    return this.append(records.map(recordLine).join(""));
  }

  writeCheckpoint(checkpoint: Checkpoint): Promise<void> {
    return this.append(checkpointLine(checkpoint));
  }

  private async append(text: string): Promise<void> {
    // Created readable by its owner only: records carry names, emails and justifications.
    const handle = await open(this.file, "a", 0o600);
    try {
      await handle.write(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
}

/** What the file holds, for verification. */
export async function readFileCopy(file: string): Promise<SinkCopy> {
  return copyOfLines((await readFile(file, "utf8")).split("\n"), file);
}
