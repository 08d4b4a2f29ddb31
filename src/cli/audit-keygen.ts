// `jit-admin audit keygen --out <file> [--public-out <file>]`: a new Ed25519 key pair for signing
// audit checkpoints. The private key is written 0600 and never over an existing file; the public key
// is written beside it and printed, for whoever verifies the trail.
import { EXIT_OK, printJson, UsageError, type CliIo } from "./io.js";
import { generateSigningKey } from "../audit/signing-key.js";
import { expectPositionals, parseCommandLine } from "./options.js";

export async function auditKeygen(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: { out: { type: "string" }, "public-out": { type: "string" }, json: { type: "boolean" } },
    allowPositionals: true,
  });
  expectPositionals(positionals, []);
  const privateFile = values.out;
  if (!privateFile) throw new UsageError("Name the private key file with --out <file> (kept by the bot, mode 0600).");
  const publicFile = values["public-out"] ?? `${privateFile.replace(/\.pem$/, "")}.pub.pem`;
  let generated;
  try {
    generated = generateSigningKey(privateFile, publicFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new UsageError(`${privateFile} or ${publicFile} already exists; keygen never overwrites a key.`);
    throw error;
  }
  if (values.json) {
    printJson(io, { keyId: generated.keyId, privateKeyFile: privateFile, publicKeyFile: publicFile, publicKey: generated.publicKeyPem });
  } else {
    io.out(
      `Wrote the private key to ${privateFile} (mode 0600): set JIT_AUDIT_SIGNING_KEY_FILE=${privateFile} for the bot, and keep it nowhere else.\n` +
        `Wrote the public key to ${publicFile}; give it to whoever verifies the trail (jit-admin audit verify --public-key ${publicFile}).\n` +
        `Key id ${generated.keyId}:\n${generated.publicKeyPem}`,
    );
  }
  return EXIT_OK;
}
