// The public keys an admin command checks checkpoints with (or puts in a bundle): those named with
// --public-key or --kms-key, else the public half of the bot's own signing key where the bot runs.
import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { keyIdOf, publicKeyFrom } from "../audit/checkpoint.js";
import { loadConfig } from "../config/env.js";
import { ConfigError } from "../config/problems.js";
import { kmsPublicKey } from "../aws/kms-signer.js";
import { createKmsClient } from "../aws/clients.js";
import { SigningKeyProblem } from "../audit/signing-key.js";
import { checkpointSigner } from "../checkpoint-signer.js";
import { StartupError } from "../startup-error.js";
import { UsageError } from "./io.js";

export interface GivenKey {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** Where it came from: the file, or JIT_AUDIT_SIGNING_KEY_FILE. */
  readonly from: string;
}

function givenKey(publicKey: KeyObject, from: string): GivenKey {
  return { keyId: keyIdOf(publicKey), publicKey, from };
}

/** Public keys in PEM, one after another (a bundle's public-keys.pem). */
export function keysFromPem(text: string, from: string): GivenKey[] {
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  return blocks.map((pem) => givenKey(publicKeyFrom(pem), from));
}

export function keysPem(keys: readonly GivenKey[]): string {
  return keys.map((key) => key.publicKey.export({ type: "spki", format: "pem" }).toString()).join("");
}

/**
 * The keys of --public-key; without any, the public half of JIT_AUDIT_SIGNING_KEY_FILE when this
 * runs where the bot runs, so an operator need not name it. Empty when neither is there.
 */
export async function publicKeys(
  files: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  kmsKeys: readonly string[] = [],
): Promise<GivenKey[]> {
  if (files.length > 0 || kmsKeys.length > 0) return [...fromFiles(files), ...(await fromKms(kmsKeys, env))];
  try {
    const opened = await checkpointSigner(loadConfig(env));
    opened?.close();
    return opened ? [givenKey(opened.signer.publicKey, opened.source)] : [];
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StartupError) return [];
    throw error;
  }
}

function fromFiles(files: readonly string[]): GivenKey[] {
  return files.flatMap((file) => {
    let keys: GivenKey[];
    try {
      keys = keysFromPem(readFileSync(file, "utf8"), file);
    } catch (error) {
      throw new UsageError(`--public-key ${file} is not an Ed25519 public key in PEM: ${(error as Error).message}`);
    }
    if (keys.length === 0) throw new UsageError(`--public-key ${file} holds no public key in PEM (-----BEGIN PUBLIC KEY-----).`);
    return keys;
  });
}

/** --kms-key: the public half of each KMS key, from KMS GetPublicKey with the bot's AWS credentials. */
async function fromKms(keyIds: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<GivenKey[]> {
  if (keyIds.length === 0) return [];
  const kms = createKmsClient(roleOf(env));
  try {
    const keys: GivenKey[] = [];
    for (const keyId of keyIds) {
      try {
        keys.push(givenKey(await kmsPublicKey(kms.client, keyId, "--kms-key"), `KMS ${keyId}`));
      } catch (error) {
        if (error instanceof SigningKeyProblem) throw new UsageError(error.message);
        throw error;
      }
    }
    return keys;
  } finally {
    kms.destroy();
  }
}

/** AWS_ROLE_ARN from the configuration when there is one (an auditor's machine may have none). */
function roleOf(env: Readonly<Record<string, string | undefined>>): string | undefined {
  try {
    return loadConfig(env).aws.assumeRoleArn;
  } catch {
    return undefined;
  }
}
