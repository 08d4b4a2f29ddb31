// Signed checkpoints of the audit chain: a statement "the record #seq has hash H", signed with a key
// kept out of the database, so whoever can rewrite the database (and re-hash the chain) still cannot
// make a rewritten history match a checkpoint. Pure functions.
//
// The statement's bytes are a storage format: checkpoints already signed depend on them, so they must never change.
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";

export interface CheckpointStatement {
  /** The last record the checkpoint covers; every record up to it is covered through the chain. */
  readonly seq: number;
  /** That record's chain hash. */
  readonly hash: string;
  /** When the checkpoint was signed (epoch ms). */
  readonly at: number;
  /** Which key signed it (see keyIdOf). */
  readonly keyId: string;
}

export interface Checkpoint extends CheckpointStatement {
  /** Base64 of the signature over statementBytes(this). */
  readonly signature: string;
}

const STATEMENT_VERSION = "jit-slack audit checkpoint v1";

/** What is signed: a fixed text, one field a line, so any tool (openssl, a script) can rebuild it. */
export function statementBytes(statement: CheckpointStatement): Buffer {
  return Buffer.from(
    `${STATEMENT_VERSION}\nseq ${statement.seq}\nhash ${statement.hash}\nat ${statement.at}\nkey ${statement.keyId}\n`,
    "utf8",
  );
}

/**
 * A key's id: `ed25519:` and the first 16 hex digits of the SHA-256 of its public key (SPKI DER), so
 * the public key alone names the checkpoints it signed, wherever the private key lives (a file, KMS).
 */
export function keyIdOf(publicKey: KeyObject): string {
  return `ed25519:${createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex")
    .slice(0, 16)}`;
}

/** A public key from PEM (SPKI) text, or from DER bytes as KMS GetPublicKey returns them. */
export function publicKeyFrom(material: string | Buffer): KeyObject {
  const key = typeof material === "string" ? createPublicKey(material) : createPublicKey({ key: material, format: "der", type: "spki" });
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(`a ${key.asymmetricKeyType ?? "unknown"} key cannot check audit checkpoints: they are signed with Ed25519`);
  }
  return key;
}

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly problem: string };

/** Whether the checkpoint was signed by one of `keys` (public keys by key id). */
export function checkSignature(checkpoint: Checkpoint, keys: ReadonlyMap<string, KeyObject>): SignatureCheck {
  const key = keys.get(checkpoint.keyId);
  if (!key) return { ok: false, problem: `it names key ${checkpoint.keyId}, which is not among the public keys given` };
  let valid = false;
  try {
    // Ed25519 takes no digest algorithm: it hashes the message itself (RFC 8032).
    valid = verify(null, statementBytes(checkpoint), key, Buffer.from(checkpoint.signature, "base64"));
  } catch {
    valid = false;
  }
  return valid
    ? { ok: true }
    : { ok: false, problem: `its signature does not verify with key ${checkpoint.keyId} (forged, or altered after signing)` };
}

/** Public keys by their ids, for checkSignature. */
export function keyring(keys: Iterable<{ readonly keyId: string; readonly publicKey: KeyObject }>): Map<string, KeyObject> {
  return new Map([...keys].map((key) => [key.keyId, key.publicKey]));
}

/** The form a checkpoint takes in the audit channel, sink files and objects: one line of JSON. */
export function checkpointJson(checkpoint: Checkpoint): string {
  return JSON.stringify({
    seq: checkpoint.seq,
    hash: checkpoint.hash,
    at: checkpoint.at,
    keyId: checkpoint.keyId,
    signature: checkpoint.signature,
  });
}

/** A checkpoint read back from a copy; undefined when the value is not one. */
export function parseCheckpoint(value: unknown): Checkpoint | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { seq, hash, at, keyId, signature } = value as Record<string, unknown>;
  const ok =
    Number.isSafeInteger(seq) &&
    (seq as number) > 0 &&
    typeof hash === "string" &&
    /^[0-9a-f]{64}$/.test(hash) &&
    Number.isSafeInteger(at) &&
    typeof keyId === "string" &&
    keyId.length > 0 &&
    typeof signature === "string" &&
    /^[A-Za-z0-9+/]+={0,2}$/.test(signature);
  return ok
    ? { seq: seq as number, hash: hash as string, at: at as number, keyId: keyId as string, signature: signature as string }
    : undefined;
}
