// `jit-admin audit verify [--public-key <file>]… [--anchors slack,file] [--anchor-file <path>]`: checks
// the hash chain, every checkpoint's signature, that each checkpoint matches the chain at its seq,
// and that the chosen sinks and the database agree; names the first record that differs or is
// missing, and says what no checkpoint covers yet.
import { readFileSync } from "node:fs";
import type { KeyObject } from "node:crypto";
import { keyIdOf, keyring, publicKeyFrom } from "../audit/checkpoint.js";
import { verifyTrail, type Evidence, type TrailReport } from "../audit/verify-trail.js";
import { loadConfig } from "../config/env.js";
import { ConfigError } from "../config/problems.js";
import { checkpointSigner } from "../runtime.js";
import { StartupError } from "../startup-error.js";
import { parseAnchors, readAnchors } from "./anchors.js";
import { openAdminStore } from "./environment.js";
import { EXIT_OK, EXIT_PROBLEM, printJson, UsageError, type CliIo } from "./io.js";
import { expectPositionals, parseCommandLine } from "./options.js";
import { describeReport } from "./verify-report.js";

export async function auditVerify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: {
      json: { type: "boolean" },
      database: { type: "string" },
      "public-key": { type: "string", multiple: true },
      anchors: { type: "string", multiple: true },
      "anchor-file": { type: "string" },
    },
    allowPositionals: true,
  });
  expectPositionals(positionals, []);
  const keys = publicKeys(values["public-key"] ?? [], io.env);
  const anchorFile = values["anchor-file"];
  const anchors = parseAnchors([...(values.anchors ?? []), ...(anchorFile ? ["file"] : [])]);
  const opened = await openAdminStore(io.env, values.database);
  let report: TrailReport;
  try {
    // Copies and checkpoints before records: what they vouch for was in the database before it is read.
    const copies = await readAnchors(anchors, { config: () => loadConfig(io.env), file: anchorFile });
    const stored = await opened.checkpoints.all();
    const evidence: Evidence = {
      keys: keyring(keys.map((key) => ({ keyId: keyIdOf(key.publicKey), publicKey: key.publicKey }))),
      checkpoints: [...stored.map((checkpoint) => ({ checkpoint, from: "the database" })), ...copies.checkpoints],
      copies: copies.copies,
    };
    report = await verifyTrail(opened.audit, evidence);
  } finally {
    await opened.close();
  }
  if (values.json) printJson(io, { ...report, keys: keys.map((key) => ({ keyId: keyIdOf(key.publicKey), from: key.from })) });
  else io.out(describeReport(report, keys.map((key) => `${keyIdOf(key.publicKey)} (${key.from})`)));
  return report.ok ? EXIT_OK : EXIT_PROBLEM;
}

interface GivenKey {
  readonly publicKey: KeyObject;
  readonly from: string;
}

/**
 * The public keys given with --public-key; without any, the public half of the bot's own signing key
 * when this runs where the bot runs (JIT_AUDIT_SIGNING_KEY_FILE), so an operator need not name it.
 */
function publicKeys(files: readonly string[], env: Readonly<Record<string, string | undefined>>): GivenKey[] {
  if (files.length > 0) {
    return files.map((file) => {
      try {
        return { publicKey: publicKeyFrom(readFileSync(file, "utf8")), from: file };
      } catch (error) {
        throw new UsageError(`--public-key ${file} is not an Ed25519 public key in PEM: ${(error as Error).message}`);
      }
    });
  }
  try {
    const signer = checkpointSigner(loadConfig(env));
    return signer ? [{ publicKey: signer.publicKey, from: "JIT_AUDIT_SIGNING_KEY_FILE" }] : [];
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StartupError) return [];
    throw error;
  }
}
