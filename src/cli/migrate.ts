// `jit-admin migrate`: brings the database's schema up to date as the bot would at start, on
// PostgreSQL as the tables' owner (DATABASE_MIGRATION_URL) who then grants the bot's role
// (DATABASE_URL) what it needs; then says whether the bot's role could alter the audit trail.
import { describeDatabase, loadConfig } from "../config/env.js";
import { systemClock } from "../domain/clock.js";
import { openStore } from "../runtime.js";
import { MIGRATIONS } from "../store/sqlite/migrations/index.js";
import { POSTGRES_MIGRATIONS } from "../store/postgres/migrations.js";
import { EXIT_OK, EXIT_PROBLEM, printJson, type CliIo } from "./io.js";
import { expectPositionals, parseCommandLine } from "./options.js";

export async function migrateCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({ args, options: { json: { type: "boolean" } }, allowPositionals: true });
  expectPositionals(positionals, []);
  const config = loadConfig(io.env);
  const opened = await openStore(config.database, systemClock);
  let safety;
  try {
    safety = await opened.auditSafety();
  } finally {
    await opened.close();
  }
  const version = config.database.kind === "sqlite" ? MIGRATIONS.length : POSTGRES_MIGRATIONS.length;
  const ownerMigrated = config.database.kind === "postgres" && config.database.migrationUrl !== undefined;
  const ok = safety.refusals.length === 0;
  if (values.json) {
    printJson(io, { ok, database: describeDatabase(config.database), schemaVersion: version, asOwner: ownerMigrated, ...safety });
    return ok ? EXIT_OK : EXIT_PROBLEM;
  }
  io.out(
    `${describeDatabase(config.database)} is at schema version ${version}` +
      (ownerMigrated ? ", migrated as DATABASE_MIGRATION_URL's role, which granted DATABASE_URL's role what the bot needs.\n" : ".\n"),
  );
  for (const warning of safety.warnings) io.out(`warning: ${warning}\n`);
  if (ok) io.out("The bot's database role cannot alter the audit trail.\n");
  else {
    io.out(`The bot would refuse to start: ${safety.refusals.join("; ")}.\n`);
    io.out("Give the bot a role of its own (see README, Several replicas on PostgreSQL) and set DATABASE_MIGRATION_URL to the owner.\n");
  }
  return ok ? EXIT_OK : EXIT_PROBLEM;
}
