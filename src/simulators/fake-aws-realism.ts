// The fake AWS's realistic mode (off by default, so functional tests stay instant): account
// assignment operations stay IN_PROGRESS for a seeded random time by the wall clock, the Identity
// Center APIs share one calls/s throttle, and CreateAccountAssignment is refused while the
// instance already has its quota of creations outstanding.
//
// The quota: "CreateAccountAssignment has a maximum rate of 10 outstanding async calls. These
// quotas cannot be changed." (AWS IAM Identity Center quotas,
// https://docs.aws.amazon.com/singlesignon/latest/userguide/limits.html, as quoted in
// https://github.com/61418/aws-sso-util/issues/112). Past it AWS answers HTTP 400
// ThrottlingException "There are too many requests processing. Please try again later." (seen in
// https://github.com/aws-samples/aws-iam-identity-center-extensions/issues/87, whose maintainers then
// kept to "the 10 live calls threshold", PR #89). The SSO Admin API reference lists
// ThrottlingException among CreateAccountAssignment's errors.
import { AwsServiceError } from "./fake-aws-protocol.js";

export interface RealismSettings {
  /** How long an assignment creation or deletion stays IN_PROGRESS, drawn uniformly in [min, max]. */
  readonly operationMs: { readonly min: number; readonly max: number };
  /** Calls accepted within any sliding second across SSO Admin and Identity Store together. */
  readonly callsPerSecond: number;
  /** Creations IN_PROGRESS at once before CreateAccountAssignment is refused. */
  readonly maxOutstandingCreations: number;
  /** Makes the drawn operation times reproducible. */
  readonly seed: number;
}

/** A CreateAccountAssignment refused because the quota of outstanding creations was reached. */
export interface QuotaViolation {
  readonly at: number;
  readonly outstanding: number;
}

/** The services that share Identity Center's throttle. */
const IDENTITY_CENTER_SERVICES: ReadonlySet<string> = new Set(["sso-admin", "identitystore"]);

export const CREATION_QUOTA_MESSAGE = "There are too many requests processing. Please try again later.";

export class AwsRealism {
  /** The most creations ever IN_PROGRESS at once. */
  peakOutstandingCreations = 0;
  readonly violations: QuotaViolation[] = [];
  private readonly random: () => number;
  private acceptedAt: number[] = [];

  constructor(readonly settings: RealismSettings) {
    this.random = mulberry32(settings.seed);
  }

  /** When an operation started now ends. */
  dueAt(now: number): number {
    const { min, max } = this.settings.operationMs;
    return now + min + Math.floor(this.random() * (max - min + 1));
  }

  /** Counts the call against the shared throttle; true when it must be refused. */
  throttles(service: string, now: number): boolean {
    if (!IDENTITY_CENTER_SERVICES.has(service)) return false;
    this.acceptedAt = this.acceptedAt.filter((t) => now - t < 1000);
    if (this.acceptedAt.length >= this.settings.callsPerSecond) return true;
    this.acceptedAt.push(now);
    return false;
  }

  /** Called before a creation is accepted, with how many are IN_PROGRESS; throws the quota error when it may not be. */
  admitCreation(outstanding: number, now: number): void {
    if (outstanding >= this.settings.maxOutstandingCreations) {
      this.violations.push({ at: now, outstanding });
      throw new AwsServiceError("ThrottlingException", CREATION_QUOTA_MESSAGE, 400);
    }
    this.peakOutstandingCreations = Math.max(this.peakOutstandingCreations, outstanding + 1);
  }
}

/** A small seeded PRNG (Mulberry32): uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
