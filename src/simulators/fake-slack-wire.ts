// How the fake reads and writes Slack's HTTP wire format: request bodies as WebClient encodes them,
// `{ ok: false, error }` results, and the small value helpers the Web API handlers share.
//
// WebClient POSTs `/api/<method>` as application/x-www-form-urlencoded; any non-primitive argument
// (blocks, attachments, view, ...) is a JSON string. JSON bodies and multipart forms also arrive.

import type { IncomingMessage, ServerResponse } from "node:http";

export type Args = Record<string, unknown>;
export type Result = Record<string, unknown>;
export type Handler = (args: Args) => Result;

/** Form fields WebClient JSON-encodes and the fake decodes back. */
const JSON_FIELDS = new Set(["blocks", "attachments", "view", "metadata", "unfurls", "user_auth_blocks", "options", "option_groups"]);

type Parsed = { ok: true; args: Args } | { ok: false; error: string };

export async function parseArgs(contentType: string | undefined, raw: Buffer, query: URLSearchParams): Promise<Parsed> {
  const args: Args = {};
  for (const [k, v] of query) args[k] = decodeFormValue(k, v);
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (raw.length === 0) return { ok: true, args };
  if (type === "application/json") {
    try {
      const body: unknown = JSON.parse(raw.toString("utf8"));
      if (!isRecord(body)) return { ok: false, error: "invalid_json" };
      return { ok: true, args: { ...args, ...body } };
    } catch {
      return { ok: false, error: "invalid_json" };
    }
  }
  if (type === "application/x-www-form-urlencoded" || type === "") {
    for (const [k, v] of new URLSearchParams(raw.toString("utf8"))) args[k] = decodeFormValue(k, v);
    return { ok: true, args };
  }
  if (type === "multipart/form-data") {
    const form = await new Response(raw, { headers: { "content-type": contentType ?? "" } }).formData();
    for (const [k, v] of form) args[k] = typeof v === "string" ? decodeFormValue(k, v) : `<file ${v.name}>`;
    return { ok: true, args };
  }
  return { ok: false, error: "invalid_form_data" };
}

/** WebClient JSON-encodes every non-primitive argument; parse those back. `text` is never parsed. */
function decodeFormValue(key: string, value: string): unknown {
  const looksJson = /^\s*(\{[\s\S]*\}|\[[\s\S]*\])\s*$/.test(value);
  if (key === "text" || !(JSON_FIELDS.has(key) || looksJson)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value; // left as a string; handlers then report invalid_blocks_format etc.
  }
}

export function fail(error: string, ...messages: string[]): Result {
  return messages.length ? { ok: false, error, response_metadata: { messages } } : { ok: false, error };
}

export function invalidArguments(...problems: string[]): Result {
  return fail("invalid_arguments", ...problems.map((p) => (p.startsWith("[ERROR]") ? p : `[ERROR] ${p}`)));
}

export function str(a: Args, key: string): string | undefined {
  const v = a[key];
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}

export function nonEmptyArray(v: unknown): v is unknown[] {
  return Array.isArray(v) && v.length > 0;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body));
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
