// How a rule names accounts: "*", group:<name>, ou:<id or path>, tag:<key>[=<value>], or an id or name.
import { z } from "zod";
import { OU_ID, ROOT_ID, type OrgSelector } from "../domain/organization.js";

export const GROUP_PREFIX = "group:";
export const OU_PREFIX = "ou:";
export const TAG_PREFIX = "tag:";

export type AccountRef =
  | { readonly kind: "all"; readonly text: string }
  | { readonly kind: "group"; readonly text: string; readonly group: string }
  | { readonly kind: "org"; readonly text: string; readonly selector: OrgSelector }
  /** An account id or name. */
  | { readonly kind: "account"; readonly text: string };

const RESERVED = [GROUP_PREFIX, OU_PREFIX, TAG_PREFIX];

export const ACCOUNT_NAME_HELP = 'must not be "*" or start with "group:", "ou:" or "tag:"';

/** A name a rule can use for an account: not "*" and not one of the prefixes a rule reads otherwise. */
export function isPlainAccountName(value: string): boolean {
  return value !== "*" && !RESERVED.some((prefix) => value.startsWith(prefix));
}

// Tag keys are 1 to 128 characters and values 0 to 256, of letters, digits, spaces and _ . : / = + - @
// (Organizations API reference, Tag). A key may hold "=", but then a rule cannot name it: the first
// "=" separates the key from the value.
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_HELP = "names no tag: use tag:<key>=<value>, or tag:<key> for any value";
const OU_HELP = "is not an OU: use ou:<OU id, ou-…>, ou:<root id, r-…>, or ou:<path from the root, e.g. /Root/Workloads/Prod>";

function tagSelector(text: string): OrgSelector | string {
  const equals = text.indexOf("=");
  const key = equals < 0 ? text : text.slice(0, equals);
  const value = equals < 0 ? null : text.slice(equals + 1);
  if (key.length === 0) return TAG_HELP;
  if (key.length > 128 || !TAG_TEXT.test(key)) return "has a tag key AWS cannot hold: 1 to 128 letters, digits, spaces or _ . : / = + - @";
  if (value !== null && (value.length > 256 || !TAG_TEXT.test(value))) {
    return "has a tag value AWS cannot hold: at most 256 letters, digits, spaces or _ . : / = + - @";
  }
  return { kind: "tag", key, value };
}

function ouSelector(text: string): OrgSelector | string {
  if (OU_ID.test(text) || ROOT_ID.test(text)) return { kind: "ou-id", id: text };
  if (text.startsWith("/") && text.length > 1) return { kind: "ou-path", path: text };
  return OU_HELP;
}

/** The reference a rule's `accounts` entry makes, or why it is malformed. */
export function readAccountRef(text: string): AccountRef | string {
  if (text === "*") return { kind: "all", text };
  if (text.startsWith(GROUP_PREFIX)) return { kind: "group", text, group: text.slice(GROUP_PREFIX.length) };
  const selector = text.startsWith(OU_PREFIX)
    ? ouSelector(text.slice(OU_PREFIX.length))
    : text.startsWith(TAG_PREFIX)
      ? tagSelector(text.slice(TAG_PREFIX.length))
      : null;
  if (selector === null) return { kind: "account", text };
  return typeof selector === "string" ? selector : { kind: "org", text, selector };
}

export const accountRef = z
  .string()
  .trim()
  .min(1, { error: "must not be empty" })
  .transform((text, ctx): AccountRef => {
    const ref = readAccountRef(text);
    if (typeof ref !== "string") return ref;
    ctx.addIssue({ code: "custom", message: `"${text}" ${ref}` });
    return z.NEVER;
  });
