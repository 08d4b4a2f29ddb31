// `jit-admin audit export [--since|--from <date>] [--until|--to <date>] [--format csv|json] [--output <file>]`,
// or `--bundle <dir|file.jsonl>`: the period's evidence for checking elsewhere (see audit-bundle.ts).
import { closeSync, writeSync } from "node:fs";
import { EXPORT_FORMATS, exportAudit, parseExportDate, type ExportFormat } from "../audit/export.js";
import type { StoredAuditRecord } from "../domain/audit-event.js";
import { InvalidInput } from "../domain/errors.js";
import type { AuditPeriod } from "../store/backend.js";
import { writeBundle } from "./audit-bundle.js";
import { openOwnerOnlyForWriting } from "../private-files.js";
import { openAdminStore } from "./environment.js";
import { EXIT_OK, UsageError, type CliIo } from "./io.js";
import { expectPositionals, parseCommandLine } from "./options.js";
import { keysPem, publicKeys } from "./public-keys.js";

export async function auditExport(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: {
      since: { type: "string" },
      until: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      format: { type: "string" },
      output: { type: "string", short: "o" },
      database: { type: "string" },
      bundle: { type: "string" },
      "public-key": { type: "string", multiple: true },
      "kms-key": { type: "string", multiple: true },
    },
    allowPositionals: true,
  });
  expectPositionals(positionals, []);
  const since = oneOf(values.since, "--since", values.from, "--from");
  const until = oneOf(values.until, "--until", values.to, "--to");
  const period = {
    from: dateOption(since?.value, since?.option ?? "--since"),
    until: dateOption(until?.value, until?.option ?? "--until"),
  };
  if (values.bundle !== undefined) return exportBundle(values.bundle, period, values, io);
  const format = (values.format ?? "csv") as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`--format must be ${EXPORT_FORMATS.join(" or ")}, not "${values.format}".`);

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
    io.err(
      `Warning: ${path} is readable or writable by others (mode ${open.mode}) and could not be changed (${open.error}): chmod 600 it.\n`,
    );
  }
  return fd;
}

/** `--bundle <dir|file.jsonl>`: the period's evidence, to be checked elsewhere with `audit verify --bundle`. */
async function exportBundle(
  target: string,
  period: AuditPeriod,
  values: { format?: string; output?: string; database?: string; "public-key"?: string[]; "kms-key"?: string[] },
  io: CliIo,
): Promise<number> {
  if (values.format !== undefined || values.output !== undefined)
    throw new UsageError("--bundle writes its own files: leave out --format and --output.");
  const keys = await publicKeys(values["public-key"] ?? [], io.env, values["kms-key"] ?? []);
  if (keys.length === 0) {
    throw new UsageError(
      "A bundle carries the public key that checks it: name it with --public-key <file> or --kms-key <id>, or run where the bot's signing key is configured.",
    );
  }
  const opened = await openAdminStore(io.env, values.database);
  let manifest;
  try {
    manifest = await writeBundle(
      opened,
      period,
      target,
      keysPem(keys),
      keys.map((key) => key.keyId),
    );
  } finally {
    await opened.close();
  }
  const { periodRecords, records } = manifest;
  io.err(
    periodRecords.count === 0
      ? `Wrote a bundle to ${target} with no records: the period has none.\n`
      : `Wrote a bundle to ${target}: records #${periodRecords.first}–#${periodRecords.last} of the period` +
          (records.last !== periodRecords.last
            ? `, and #${(periodRecords.last ?? 0) + 1}–#${records.last} up to the checkpoint that covers them`
            : "") +
          `, ${manifest.checkpoints} checkpoint${manifest.checkpoints === 1 ? "" : "s"}, key ${manifest.keyIds.join(", ")}.\n`,
  );
  return EXIT_OK;
}

function oneOf(a: string | undefined, aName: string, b: string | undefined, bName: string): { value: string; option: string } | undefined {
  if (a !== undefined && b !== undefined) throw new UsageError(`${aName} and ${bName} are the same; give one.`);
  if (a !== undefined) return { value: a, option: aName };
  return b === undefined ? undefined : { value: b, option: bName };
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
