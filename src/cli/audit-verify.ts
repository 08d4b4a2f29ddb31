// `jit-admin audit verify [--public-key <file>]… [--anchors slack,s3,file] [--anchor-file <path>]`,
// or `--bundle <path>` without any database: checks the hash chain, every checkpoint's signature,
// that each checkpoint matches the chain at its seq, and that the chosen sinks and the database
// agree; names the first record that differs or is missing, and says what no checkpoint covers yet.
import { keyring } from "../audit/checkpoint.js";
import { BundleProblem, bundleTrail } from "../audit/bundle.js";
import { verifyTrail, type Evidence, type TrailReport } from "../audit/verify-trail.js";
import { loadConfig } from "../config/env.js";
import { parseAnchors, readAnchors } from "./anchors.js";
import { openAdminStore } from "./environment.js";
import { readBundle } from "./audit-bundle.js";
import { EXIT_OK, EXIT_PROBLEM, printJson, UsageError, type CliIo } from "./io.js";
import { expectPositionals, parseCommandLine } from "./options.js";
import { keysFromPem, publicKeys } from "./public-keys.js";
import { describeReport } from "./verify-report.js";

export async function auditVerify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: {
      json: { type: "boolean" },
      database: { type: "string" },
      "public-key": { type: "string", multiple: true },
      "kms-key": { type: "string", multiple: true },
      anchors: { type: "string", multiple: true },
      "anchor-file": { type: "string" },
      bundle: { type: "string" },
    },
    allowPositionals: true,
  });
  expectPositionals(positionals, []);
  if (values.bundle !== undefined) {
    if (values.database !== undefined || values.anchors !== undefined || values["anchor-file"] !== undefined) {
      throw new UsageError("--bundle is checked on its own: leave out --database and --anchors.");
    }
    return verifyBundle(values.bundle, values["public-key"] ?? [], values["kms-key"] ?? [], values.json === true, io);
  }
  const keys = await publicKeys(values["public-key"] ?? [], io.env, values["kms-key"] ?? []);
  const anchorFile = values["anchor-file"];
  const anchors = parseAnchors([...(values.anchors ?? []), ...(anchorFile ? ["file"] : [])]);
  const opened = await openAdminStore(io.env, values.database);
  let report: TrailReport;
  try {
    // Copies and checkpoints before records: what they vouch for was in the database before it is read.
    const copies = await readAnchors(anchors, { config: () => loadConfig(io.env), file: anchorFile });
    const stored = await opened.checkpoints.all();
    const evidence: Evidence = {
      keys: keyring(keys),
      checkpoints: [...stored.map((checkpoint) => ({ checkpoint, from: "the database" })), ...copies.checkpoints],
      copies: copies.copies,
    };
    report = await verifyTrail(opened.audit, evidence);
  } finally {
    await opened.close();
  }
  if (values.json) printJson(io, { ...report, keys: keys.map((key) => ({ keyId: key.keyId, from: key.from })) });
  else
    io.out(
      describeReport(
        report,
        keys.map((key) => `${key.keyId} (${key.from})`),
      ),
    );
  return report.ok ? EXIT_OK : EXIT_PROBLEM;
}

/**
 * A bundle, without any database: its chain from its first record, every checkpoint in it, and
 * that they cover the period. With --public-key the keys are the auditor's own; without, the
 * bundle's, which the output names so they can be compared with the key the auditor was given.
 */
async function verifyBundle(
  path: string,
  keyFiles: readonly string[],
  kmsKeys: readonly string[],
  json: boolean,
  io: CliIo,
): Promise<number> {
  let bundle;
  try {
    bundle = readBundle(path);
  } catch (error) {
    if (!(error instanceof BundleProblem)) throw error;
    if (json) printJson(io, { ok: false, bundle: path, problem: error.message });
    else io.out(`The bundle ${path} cannot be trusted as it is: ${error.message}.\n`);
    return EXIT_PROBLEM;
  }
  const own = keyFiles.length > 0 || kmsKeys.length > 0;
  const keys = own ? await publicKeys(keyFiles, io.env, kmsKeys) : keysFromPem(bundle.keysPem, "inside the bundle");
  const report = await verifyTrail(bundleTrail(bundle), {
    keys: keyring(keys),
    checkpoints: bundle.checkpoints.map((checkpoint) => ({ checkpoint, from: "the bundle" })),
    copies: [],
  });
  const { manifest } = bundle;
  if (json) {
    printJson(io, { ...report, manifest, keys: keys.map((key) => ({ keyId: key.keyId, from: key.from })) });
    return report.ok ? EXIT_OK : EXIT_PROBLEM;
  }
  const period = `${manifest.period.from ?? "the start"} to ${manifest.period.until ?? "the export"}`;
  const records =
    manifest.periodRecords.count === 0 ? "no records" : `records #${manifest.periodRecords.first}–#${manifest.periodRecords.last}`;
  io.out(`Bundle: ${records} of ${period}, exported ${manifest.createdAt} from ${manifest.source}.\n`);
  if (!own)
    io.out(
      `Checked with the public key${keys.length === 1 ? "" : "s"} inside the bundle (${keys.map((key) => key.keyId).join(", ")}): compare with the key you were given, or give it with --public-key.\n`,
    );
  io.out(
    describeReport(
      report,
      keys.map((key) => `${key.keyId} (${key.from})`),
    ),
  );
  return report.ok ? EXIT_OK : EXIT_PROBLEM;
}
