// Wire-level helpers for the fake AWS server: awsJson1_1 and awsQuery response
// and error encoding, request body reading, input validation and pagination.
//
// awsJson1_1 errors: HTTP 4xx/5xx, header `x-amzn-ErrorType: <Code>`, body
// `{"__type":"<Code>","message":"..."}`. The SDK takes the code from `__type`
// first (then `code`, then the header) and the message from `message`/`Message`.
// awsQuery errors: `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code/>
// <Message/></Error><RequestId/></ErrorResponse>`; the SDK reads Error.Code.

import type { IncomingMessage, ServerResponse } from "node:http";

export type JsonObject = Record<string, unknown>;

const SERVER_ERROR_STATUS: Readonly<Record<string, number>> = {
  InternalServerException: 500,
  InternalFailure: 500,
  InternalError: 500,
  ServiceException: 500,
  ServiceUnavailable: 503,
  ServiceUnavailableException: 503,
};

/** HTTP status AWS uses for an error code unless told otherwise. */
export function defaultStatusFor(code: string): number {
  return SERVER_ERROR_STATUS[code] ?? 400;
}

/** An AWS service error as sent on the wire (`__type` / `<Code>`). */
export class AwsServiceError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra members of the error body, e.g. ResourceType for Identity Store. */
  readonly extra: JsonObject;

  constructor(code: string, message: string, status?: number, extra: JsonObject = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status ?? defaultStatusFor(code);
    this.extra = extra;
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}

// ---- awsJson1_1 -------------------------------------------------------------

export function sendJson(res: ServerResponse, body: JsonObject, requestId: string): void {
  send(res, 200, { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": requestId }, JSON.stringify(body));
}

export function sendJsonError(res: ServerResponse, err: AwsServiceError, requestId: string): void {
  const body = { ...err.extra, __type: err.code, message: err.message };
  send(
    res,
    err.status,
    { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": requestId, "x-amzn-ErrorType": err.code },
    JSON.stringify(body),
  );
}

// ---- awsQuery (XML responses) -------------------------------------------------

/** XML content: nested objects become elements, arrays become `<member>` lists. */
export type XmlValue = string | number | boolean | XmlObject | XmlValue[];
export interface XmlObject {
  [key: string]: XmlValue | undefined;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function toXml(value: XmlValue): string {
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join("");
  if (typeof value === "object") {
    return Object.entries(value)
      .filter((entry): entry is [string, XmlValue] => entry[1] !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join("");
  }
  return escapeXml(String(value));
}

export function sendQueryResult(res: ServerResponse, action: string, xmlns: string, result: XmlObject, requestId: string): void {
  const body =
    `<${action}Response xmlns="${xmlns}">` +
    `<${action}Result>${toXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
    `</${action}Response>`;
  send(res, 200, { "Content-Type": "text/xml", "x-amzn-RequestId": requestId }, body);
}

export function sendQueryError(res: ServerResponse, err: AwsServiceError, xmlns: string, requestId: string): void {
  const type = err.status >= 500 ? "Receiver" : "Sender";
  const body =
    `<ErrorResponse xmlns="${xmlns}">` +
    `<Error><Type>${type}</Type><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId>` +
    `</ErrorResponse>`;
  send(res, err.status, { "Content-Type": "text/xml", "x-amzn-RequestId": requestId }, body);
}

// ---- input validation (messages mimic AWS's "1 validation error detected") --

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function validationError(member: string, value: unknown, constraint: string, code = "ValidationException"): AwsServiceError {
  const shown = value === undefined || value === null ? "null" : `'${String(value)}'`;
  return new AwsServiceError(
    code,
    `1 validation error detected: Value ${shown} at '${lowerFirst(member)}' failed to satisfy constraint: ${constraint}`,
  );
}

export function requireString(input: JsonObject, member: string, code?: string): string {
  const value = input[member];
  if (typeof value !== "string" || value === "") throw validationError(member, value, "Member must not be null", code);
  return value;
}

export function optionalString(input: JsonObject, member: string): string | undefined {
  const value = input[member];
  return typeof value === "string" ? value : undefined;
}

export function optionalObject(input: JsonObject, member: string): JsonObject {
  const value = input[member];
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

// ---- pagination ---------------------------------------------------------------

/**
 * Slices `items` by MaxResults/NextToken. Tokens are opaque base64url strings
 * bound to `scope` (operation + filter); a foreign or garbled token is a
 * ValidationException, like on AWS. NextToken is omitted on the last page.
 */
export function paginate<T>(
  items: readonly T[],
  input: JsonObject,
  scope: string,
  maxLimit = 100,
): { page: T[]; nextToken: string | undefined } {
  const max = input.MaxResults;
  let limit = maxLimit;
  if (max !== undefined) {
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > maxLimit) {
      throw validationError("MaxResults", max, `Member must have value between 1 and ${maxLimit}`);
    }
    limit = max;
  }
  let offset = 0;
  const token = input.NextToken;
  if (token !== undefined) {
    offset = decodeToken(token, scope);
  }
  const page = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? encodeToken(offset + limit, scope) : undefined;
  return { page, nextToken: next };
}

function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString("base64url");
}

function decodeToken(token: unknown, scope: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(String(token), "base64url").toString("utf8"));
    if (typeof parsed === "object" && parsed !== null) {
      const { o, s } = parsed as { o?: unknown; s?: unknown };
      if (typeof o === "number" && Number.isInteger(o) && o >= 0 && s === scope) return o;
    }
  } catch {
    // fall through to the error below
  }
  throw new AwsServiceError("ValidationException", "The NextToken provided is invalid.");
}
