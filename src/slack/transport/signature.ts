// Slack's request signature (v0: HMAC-SHA256 over "v0:<timestamp>:<body>" with the signing secret),
// checked once for every request, with the five-minute window enforced both ways: Bolt's own check
// accepts any timestamp in the future, so a captured request could be pre-dated for a later replay.
import { createHmac, timingSafeEqual } from "node:crypto";

/** Slack's replay window. */
export const WINDOW_SECONDS = 5 * 60;
/** Seconds since the epoch, as Slack writes them; anything else (Infinity, 1e9, -5) is refused. */
const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

export type SignatureCheck =
  | { readonly ok: true; readonly signature: string; readonly timestamp: number }
  | { readonly ok: false; readonly problem: string };

export function checkSignature(
  secret: string,
  headers: { readonly signature: unknown; readonly timestamp: unknown },
  body: string,
  nowMs: number,
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (typeof signature !== "string" || typeof timestamp !== "string") return { ok: false, problem: "no signature or timestamp header" };
  if (!TIMESTAMP.test(timestamp)) return { ok: false, problem: "the timestamp is not whole seconds since the epoch" };
  const seconds = Number(timestamp);
  if (Math.abs(nowMs / 1000 - seconds) > WINDOW_SECONDS)
    return { ok: false, problem: "the timestamp is more than five minutes away from now" };
  if (!SIGNATURE.test(signature)) return { ok: false, problem: "the signature is not v0= and 64 hex digits" };
  const expected = createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest();
  const given = Buffer.from(signature.slice(3), "hex");
  if (!timingSafeEqual(given, expected)) return { ok: false, problem: "the signature does not match the body" };
  return { ok: true, signature, timestamp: seconds };
}
