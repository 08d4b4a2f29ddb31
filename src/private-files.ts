// Files that hold grants, the audit trail, tokens or the policy: for the bot's own user only. Used
// by the SQLite store, the admin CLI's exports and the start-up checks of `.env` and the policy.
import { chmodSync, closeSync, existsSync, fchmodSync, fstatSync, openSync, statSync } from "node:fs";
import type { Logger } from "./services/ports.js";

export const OWNER_ONLY = 0o600;
/** Read or write permission for the group or for others. */
const OPEN_BITS = 0o066;

/** A file found open to others: its mode then (octal text), and whether it was made owner-only. */
export interface OpenFile {
  readonly file: string;
  readonly mode: string;
  readonly tightened: boolean;
  readonly error?: string;
}

const octal = (mode: number) => (mode & 0o777).toString(8);

/** The mode of `path` (octal text) when the group or others may read or write it; undefined when private or absent. */
export function openToOthers(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const { mode } = statSync(path);
  return mode & OPEN_BITS ? octal(mode) : undefined;
}

/** Creates `path` empty and owner-only unless it exists, so whatever writes it next never writes into a readable file. */
export function createOwnerOnly(path: string): void {
  try {
    closeSync(openSync(path, "wx", OWNER_ONLY));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/** Makes an existing file open to others owner-only; says what it found, or undefined when there was nothing to do. */
export function makeOwnerOnly(path: string): OpenFile | undefined {
  const mode = openToOthers(path);
  if (mode === undefined) return undefined;
  try {
    chmodSync(path, OWNER_ONLY);
    return { file: path, mode, tightened: true };
  } catch (error) {
    return { file: path, mode, tightened: false, error: (error as Error).message };
  }
}

/**
 * Opens `path` for writing from the start, created owner-only, or made owner-only (before anything
 * is written) when it already existed open to others; `open` says what was found then.
 */
export function openOwnerOnlyForWriting(path: string): { fd: number; open?: OpenFile } {
  const fd = openSync(path, "w", OWNER_ONLY);
  const { mode } = fstatSync(fd);
  if ((mode & OPEN_BITS) === 0) return { fd };
  try {
    fchmodSync(fd, OWNER_ONLY);
    return { fd, open: { file: path, mode: octal(mode), tightened: true } };
  } catch (error) {
    return { fd, open: { file: path, mode: octal(mode), tightened: false, error: (error as Error).message } };
  }
}

/** One warning line per file the group or others may read or write; `holds` says why that matters. */
export function warnOpenToOthers(logger: Pick<Logger, "warn">, files: ReadonlyArray<{ path: string; holds: string }>): void {
  for (const { path, holds } of files) {
    const mode = openToOthers(path);
    if (mode !== undefined)
      logger.warn({ file: path, mode }, `${path} is readable or writable by others (mode ${mode}); it ${holds}: chmod 600 it`);
  }
}
