import { randomBytes } from "node:crypto";

// Short enough to type in `/jit revoke <id>`, long enough (40 bits) never to collide in practice.
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

export function newGrantId(): string {
  const bytes = randomBytes(8);
  let id = "";
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return `jit-${id}`;
}
