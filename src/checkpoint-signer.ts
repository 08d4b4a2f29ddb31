// The key that signs audit checkpoints, as configured: an Ed25519 key file
// (JIT_AUDIT_SIGNING_KEY_FILE) or a KMS key (JIT_AUDIT_KMS_KEY_ID). Shared by the bot and jit-admin.
import { loadSigningKey, SigningKeyProblem, type CheckpointSigner } from "./audit/signing-key.js";
import { createKmsClient } from "./aws/clients.js";
import { kmsSigner } from "./aws/kms-signer.js";
import type { Config } from "./config/env.js";
import { StartupError } from "./startup-error.js";

export interface OpenedSigner {
  readonly signer: CheckpointSigner;
  /** Where the key is, for messages: the variable that names it. */
  readonly source: "JIT_AUDIT_SIGNING_KEY_FILE" | "JIT_AUDIT_KMS_KEY_ID";
  close(): void;
}

/** The configured signing key, if any; a key that cannot be used is a StartupError naming it. */
export async function checkpointSigner(config: Config): Promise<OpenedSigner | undefined> {
  const { signingKeyFile, kmsKeyId } = config.audit;
  try {
    if (signingKeyFile !== undefined) {
      return {
        signer: loadSigningKey(signingKeyFile, "JIT_AUDIT_SIGNING_KEY_FILE"),
        source: "JIT_AUDIT_SIGNING_KEY_FILE",
        close: () => undefined,
      };
    }
    if (kmsKeyId === undefined) return undefined;
    const kms = createKmsClient(config.aws.assumeRoleArn);
    try {
      return {
        signer: await kmsSigner(kms.client, kmsKeyId, "JIT_AUDIT_KMS_KEY_ID"),
        source: "JIT_AUDIT_KMS_KEY_ID",
        close: () => kms.destroy(),
      };
    } catch (error) {
      kms.destroy();
      throw error;
    }
  } catch (error) {
    if (error instanceof SigningKeyProblem) throw new StartupError(error.message);
    throw error;
  }
}

/**
 * The signing key for the bot, which refuses to start with a copy of the trail configured but no
 * key: copies are made at each checkpoint, so without one nothing would reach them.
 */
export async function botCheckpointSigner(config: Config): Promise<OpenedSigner | undefined> {
  const copies = [config.audit.anchorFile && "JIT_AUDIT_ANCHOR_FILE", config.audit.s3 && "JIT_AUDIT_S3_BUCKET"].filter(Boolean);
  if (config.audit.signingKeyFile === undefined && config.audit.kmsKeyId === undefined && copies.length > 0) {
    throw new StartupError(
      `${copies.join(" and ")} ${copies.length === 1 ? "is" : "are"} set without JIT_AUDIT_SIGNING_KEY_FILE: ` +
        "copies of the audit trail are made at each checkpoint, so set the signing key (or JIT_AUDIT_KMS_KEY_ID) too.",
    );
  }
  return checkpointSigner(config);
}
