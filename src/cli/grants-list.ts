// `jit-admin grants list [--active]`: grants from the database, newest last.
import { formatDuration } from "../domain/duration.js";
import { GRANT_STATUSES, IN_AWS_STATUSES, type Grant } from "../domain/grant.js";
import { openAdminStore } from "./environment.js";
import { EXIT_OK, formatTable, printJson, type CliIo } from "./io.js";
import { expectPositionals, parseCommandLine } from "./options.js";

/** Grants through which someone holds, or may hold, AWS access: being created, active, or being removed. */

export async function grantsList(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: { active: { type: "boolean" }, json: { type: "boolean" }, database: { type: "string" } },
    allowPositionals: true,
  });
  expectPositionals(positionals, []);
  const opened = await openAdminStore(io.env, values.database);
  try {
    const grants = await opened.store.listByStatus(values.active ? IN_AWS_STATUSES : GRANT_STATUSES);
    if (values.json) printJson(io, grants);
    else if (grants.length === 0) io.out(values.active ? "No active grants.\n" : "No grants.\n");
    else io.out(formatTable([GRANT_HEADER, ...grants.map(grantRow)]));
    return EXIT_OK;
  } finally {
    await opened.close();
  }
}

export const GRANT_HEADER = ["ID", "STATUS", "REQUESTER", "ACCOUNT", "PERMISSION SET", "DURATION", "CREATED", "EXPIRES/ENDED", "APPROVER"];

const time = (ms: number | null) => (ms === null ? "-" : `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")}Z`);

export function grantRow(grant: Grant): string[] {
  return [
    grant.id,
    grant.status,
    grant.requesterEmail ? `${grant.requesterId} (${grant.requesterEmail})` : grant.requesterId,
    grant.accountId,
    grant.permissionSetName,
    formatDuration(grant.durationMs),
    time(grant.createdAt),
    time(grant.endedAt ?? grant.expiresAt),
    grant.decidedBy ?? "-",
  ];
}
