// The key that signs audit checkpoints: an Ed25519 private key in a PEM file only the bot's user can
// read, never in the database. Created by `jit-admin audit keygen`.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { keyIdOf } from "./checkpoint.js";

/** Signs checkpoint statements; where the private key lives (a file, KMS) is its own business. */
export interface CheckpointSigner {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  sign(statement: Buffer): Promise<Buffer>;
}

/** The key file cannot be used: the message says which file and why. */
export class SigningKeyProblem extends Error {}

/**
 * Loads the private key from `file`. Refuses a file that anyone but its owner may read or write: a
 * key others can read signs for them too.
 */
export function loadSigningKey(file: string, variable: string): CheckpointSigner {
  let mode: number;
  let pem: string;
  try {
    mode = statSync(file).mode & 0o777;
    pem = readFileSync(file, "utf8");
  } catch (error) {
    throw new SigningKeyProblem(`${variable}=${file} cannot be read: ${(error as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new SigningKeyProblem(
      `${variable}=${file} may be read or written by others (mode ${mode.toString(8).padStart(3, "0")}); ` +
        `run chmod 600 ${file}, and make a new key if someone else could have copied it`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new SigningKeyProblem(`${variable}=${file} is not a PEM private key: ${(error as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new SigningKeyProblem(
      `${variable}=${file} is a ${privateKey.asymmetricKeyType ?? "unknown"} key; checkpoints are signed with Ed25519 (jit-admin audit keygen makes one)`,
    );
  }
  return fileSigner(privateKey);
}

export function fileSigner(privateKey: KeyObject): CheckpointSigner {
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    publicKey,
    // Ed25519 takes no digest algorithm: it hashes the message itself (RFC 8032).
    sign: async (statement) => sign(null, statement, privateKey),
  };
}

export interface GeneratedKey {
  readonly keyId: string;
  readonly publicKeyPem: string;
}

/**
 * A new key pair: the private key written to `privateFile` with mode 0600 (never over an existing
 * file), the public key to `publicFile` when given. Returns the public key and its id.
 */
export function generateSigningKey(privateFile: string, publicFile: string | undefined): GeneratedKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  // "wx": fails if the file exists, so an old key (which signed checkpoints) is never overwritten.
  writeFileSync(privateFile, privateKey.export({ type: "pkcs8", format: "pem" }).toString(), { mode: 0o600, flag: "wx" });
  if (publicFile) writeFileSync(publicFile, publicKeyPem, { mode: 0o644, flag: "wx" });
  return { keyId: keyIdOf(publicKey), publicKeyPem };
}
