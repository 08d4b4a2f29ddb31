// AWS KMS (TrentService, awsJson1_1) handlers for the fake AWS server: asymmetric Ed25519 keys
// (KeySpec ECC_NIST_EDWARDS25519, KeyUsage SIGN_VERIFY) with GetPublicKey and Sign. Blobs travel
// base64 in JSON, as in the real protocol. ED25519_SHA_512 signs the message itself (PureEdDSA,
// RFC 8032) and needs MessageType RAW, as KMS requires
// (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html).
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import { AwsServiceError, requireString, type JsonObject } from "./fake-aws-protocol.js";
import type { JsonHandler } from "./fake-aws-sso.js";

export interface FakeKmsKey {
  readonly keyId: string;
  readonly arn: string;
  /** A key for encryption cannot sign: what the bot must refuse. */
  readonly usage: "SIGN_VERIFY" | "ENCRYPT_DECRYPT";
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export class KmsState {
  readonly keys = new Map<string, FakeKmsKey>();

  constructor(private readonly accountId: string) {}

  addKey(usage: FakeKmsKey["usage"] = "SIGN_VERIFY"): FakeKmsKey {
    const keyId = randomUUID();
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const key = { keyId, arn: `arn:aws:kms:us-east-1:${this.accountId}:key/${keyId}`, usage, privateKey, publicKey };
    this.keys.set(keyId, key);
    return key;
  }

  clear(): void {
    this.keys.clear();
  }

  handlers(): Record<string, JsonHandler> {
    return {
      GetPublicKey: (input) => {
        const key = this.find(input);
        return {
          KeyId: key.arn,
          PublicKey: key.publicKey.export({ type: "spki", format: "der" }).toString("base64"),
          KeySpec: "ECC_NIST_EDWARDS25519",
          KeyUsage: key.usage,
          ...(key.usage === "SIGN_VERIFY"
            ? { SigningAlgorithms: ["ED25519_SHA_512", "ED25519_PH_SHA_512"] }
            : { EncryptionAlgorithms: [] }),
        };
      },
      Sign: (input) => {
        const key = this.find(input);
        if (key.usage !== "SIGN_VERIFY")
          throw new AwsServiceError("InvalidKeyUsageException", `${key.arn} key usage is ENCRYPT_DECRYPT which is not valid for Sign.`);
        const algorithm = requireString(input, "SigningAlgorithm");
        if (algorithm !== "ED25519_SHA_512")
          throw new AwsServiceError("InvalidKeyUsageException", `Algorithm ${algorithm} is not supported by this fake.`);
        if ((input.MessageType ?? "RAW") !== "RAW")
          throw new AwsServiceError("ValidationException", "ED25519_SHA_512 requires MessageType RAW.");
        const message = Buffer.from(requireString(input, "Message"), "base64");
        if (message.length === 0 || message.length > 4096)
          throw new AwsServiceError("ValidationException", "Message must be 1 to 4096 bytes.");
        return { KeyId: key.arn, SigningAlgorithm: algorithm, Signature: sign(null, message, key.privateKey).toString("base64") };
      },
    };
  }

  /** By key id or key ARN, as KMS accepts either. */
  private find(input: JsonObject): FakeKmsKey {
    const id = requireString(input, "KeyId");
    const key = this.keys.get(id) ?? [...this.keys.values()].find((k) => k.arn === id);
    if (!key) throw new AwsServiceError("NotFoundException", `Key '${id}' does not exist`);
    return key;
  }
}
