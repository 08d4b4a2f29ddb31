// What every admin command gets: the environment (with .env applied), and stdout/stderr.
// Exit codes: 0 all is well, 1 a problem was found or the command failed, 2 the command line was wrong.

export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Results, for people or (with --json) for scripts. */
  out(text: string): void;
  /** Diagnostics and errors. */
  err(text: string): void;
  /** Asks a yes-or-no question on the terminal; absent when stdin is not one (CI, a pipe). */
  readonly confirm?: (question: string) => Promise<boolean>;
}

/** The command line is wrong: exit 2 with the message and a pointer to --help. */
export class UsageError extends Error {}

export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns separated by two spaces. */
export function formatTable(rows: ReadonlyArray<readonly string[]>): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return `${rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")).join("\n")}\n`;
}
