// Everything one access-review report shows: the review's figures and the audit chain's verdict.
import type { AccessReview } from "../domain/access-review.js";

export interface ChainCheck {
  readonly ok: boolean;
  /** Records checked (the whole trail: a record in the period is only as good as the chain before it). */
  readonly records: number;
  /** Records written in the period. */
  readonly inPeriod: number;
  /** Signed checkpoints found valid, of those found; null when no public key was available to check them. */
  readonly checkpoints: { readonly valid: number; readonly found: number } | null;
  /** The first problem, in words, when not ok. */
  readonly problem: string | null;
}

export interface ReportData {
  readonly review: AccessReview;
  readonly chain: ChainCheck;
  readonly generatedAt: number;
  /** The account filter given, if any. */
  readonly account: string | null;
  readonly source: string;
}

export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function hoursText(hours: number): string {
  if (hours > 0 && hours < 0.05) return "<0.1";
  return hours >= 100 ? hours.toFixed(0) : hours.toFixed(1);
}
