// Signing checkpoints with an AWS KMS key, so the private key never leaves KMS: an asymmetric
// ECC_NIST_EDWARDS25519 key with usage SIGN_VERIFY, signing with ED25519_SHA_512 over the raw
// statement (PureEdDSA; KMS requires MessageType RAW for it, see
// https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html). The signature is plain
// Ed25519, so `audit verify` checks it with the public key alone, offline.
import { GetPublicKeyCommand, KMSServiceException, SignCommand, type KMSClient } from "@aws-sdk/client-kms";
import type { KeyObject } from "node:crypto";
import { keyIdOf, publicKeyFrom } from "../audit/checkpoint.js";
import { SigningKeyProblem, type CheckpointSigner } from "../audit/signing-key.js";
import { errorText } from "../domain/errors.js";

const KEY_SPEC = "ECC_NIST_EDWARDS25519";
const ALGORITHM = "ED25519_SHA_512";

const reason = (error: unknown) => (error instanceof KMSServiceException ? `${error.name}: ${error.message}` : errorText(error));

/** The key's public half, checked to be an Ed25519 signing key that signs with ED25519_SHA_512. */
export async function kmsPublicKey(kms: KMSClient, keyId: string, variable: string): Promise<KeyObject> {
  let answer;
  try {
    answer = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  } catch (error) {
    throw new SigningKeyProblem(`${variable}=${keyId}: KMS GetPublicKey failed (${reason(error)})`);
  }
  if (
    answer.KeySpec !== KEY_SPEC ||
    answer.KeyUsage !== "SIGN_VERIFY" ||
    !answer.SigningAlgorithms?.includes(ALGORITHM) ||
    !answer.PublicKey
  ) {
    throw new SigningKeyProblem(
      `${variable}=${keyId} is a ${answer.KeySpec ?? "?"} key for ${answer.KeyUsage ?? "?"}; checkpoints need an ${KEY_SPEC} key with usage SIGN_VERIFY`,
    );
  }
  return publicKeyFrom(Buffer.from(answer.PublicKey));
}

export async function kmsSigner(kms: KMSClient, keyId: string, variable: string): Promise<CheckpointSigner> {
  const publicKey = await kmsPublicKey(kms, keyId, variable);
  return {
    keyId: keyIdOf(publicKey),
    publicKey,
    async sign(statement) {
      try {
        const { Signature } = await kms.send(
          new SignCommand({ KeyId: keyId, Message: statement, MessageType: "RAW", SigningAlgorithm: ALGORITHM }),
        );
        if (!Signature) throw new Error("KMS Sign returned no signature");
        return Buffer.from(Signature);
      } catch (error) {
        throw new Error(`KMS Sign with ${keyId} failed: ${reason(error)}`, { cause: error });
      }
    },
  };
}
