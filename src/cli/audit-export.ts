// `jit-admin audit export [--since <date>] [--until <date>] [--format csv|json] [--output <file>]`.
import { closeSync, writeSync } from "node:fs";
import { EXPORT_FORMATS, exportAudit, parseExportDate, type ExportFormat } from "../audit/export.js";
import type { StoredAuditRecord } from "../domain/audit-event.js";
import { InvalidInput } from "../domain/errors.js";
import { openOwnerOnlyForWriting } from "../private-files.js";
import { openAdminStore } from "./environment.js";
import { EXIT_OK, UsageError, type CliIo } from "./io.js";
import { expectPositionals, parseCommandLine } from "./options.js";

export async function auditExport(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: {
      since: { type: "string" },
      until: { type: "string" },
      format: { type: "string", default: "csv" },
      output: { type: "string", short: "o" },
      database: { type: "string" },
    },
    allowPositionals: true,
  });
  expectPositionals(positionals, []);
  const format = values.format as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`--format must be ${EXPORT_FORMATS.join(" or ")}, not "${values.format}".`);
  const period = { from: dateOption(values.since, "--since"), until: dateOption(values.until, "--until") };

  const opened = await openAdminStore(io.env, values.database);
  const fd = values.output ? openOutput(values.output, io) : undefined;
  let count = 0;
  try {
    const counted = async function* (records: AsyncIterable<StoredAuditRecord>) {
      for await (const record of records) {
        count += 1;
        yield record;
      }
    };
    for await (const chunk of exportAudit(counted(opened.audit.records(period)), format)) {
      if (fd === undefined) io.out(chunk);
      else writeSync(fd, chunk);
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
    await opened.close();
  }
  io.err(`Exported ${count} audit record${count === 1 ? "" : "s"}${values.output ? ` to ${values.output}` : ""}.\n`);
  return EXIT_OK;
}

/** Exports carry the whole trail (emails, justifications): the file is readable by its owner only. */
function openOutput(path: string, io: CliIo): number {
  const { fd, open } = openOwnerOnlyForWriting(path);
  if (open && !open.tightened) {
    io.err(`Warning: ${path} is readable or writable by others (mode ${open.mode}) and could not be changed (${open.error}): chmod 600 it.\n`);
  }
  return fd;
}

function dateOption(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseExportDate(value, option);
  } catch (error) {
    if (error instanceof InvalidInput) throw new UsageError(error.message);
    throw error;
  }
}
