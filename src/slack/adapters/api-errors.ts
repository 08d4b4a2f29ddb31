// What went wrong with a Web API call, in Slack's own terms, for metrics and for the audit feed.
import { ErrorCode } from "@slack/web-api";

interface SlackErrorShape {
  code?: string;
  data?: { error?: unknown };
  statusCode?: number;
  retryAfter?: number;
}

function shape(error: unknown): SlackErrorShape {
  return typeof error === "object" && error !== null ? (error as SlackErrorShape) : {};
}

/** Slack's error code (`channel_not_found`, …), `ratelimited`, `http_<status>`, `request_error` or `unknown`. */
export function slackErrorCode(error: unknown): string {
  const { code, data, statusCode } = shape(error);
  switch (code) {
    case ErrorCode.PlatformError:
      return typeof data?.error === "string" ? data.error : "unknown";
    case ErrorCode.RateLimitedError:
      return "ratelimited";
    case ErrorCode.HTTPError:
      return `http_${statusCode ?? "unknown"}`;
    case ErrorCode.RequestError:
      return "request_error";
    default:
      return "unknown";
  }
}

/** The wait Slack asked for (HTTP 429 Retry-After), when the client was told to reject rate-limited calls. */
export function retryAfterMs(error: unknown): number | undefined {
  const { code, retryAfter } = shape(error);
  return code === ErrorCode.RateLimitedError && typeof retryAfter === "number" ? retryAfter * 1000 : undefined;
}

/** Slack answered and refused the call (`ok: false`): nothing happened, unlike a timeout or an HTTP error. */
export function refusedBySlack(error: unknown): boolean {
  return shape(error).code === ErrorCode.PlatformError;
}
