import { randomBytes } from "node:crypto";

// Short enough to type in `/jit revoke <id>`, long enough (40 bits) never to collide in practice.
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

function randomPart(): string {
  let id = "";
  for (const byte of randomBytes(8)) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

export function newGrantId(): string {
  return `jit-${randomPart()}`;
}

export function newExtensionId(): string {
  return `ext-${randomPart()}`;
}

/** The id a multi-target request's grants share. */
export function newBundleId(): string {
  return `req-${randomPart()}`;
}
