// `jit-admin org refresh`: reads AWS Organizations now, as the bot does, stores the snapshot in the
// database (where every running bot takes it up at its next refresh check, within a minute),
// resolves the policy file against it and prints what each rule covers and the warnings.
import { loadConfig } from "../config/env.js";
import { loadPolicySource } from "../config/policy-file.js";
import { systemClock } from "../domain/clock.js";
import { isActive } from "../domain/organization.js";
import { organizationPolicy } from "../organization-policy.js";
import { leaseHolder } from "../runtime.js";
import { readAndStore } from "../services/shared-organization.js";
import { openConfiguredStore } from "./environment.js";
import { EXIT_OK, EXIT_PROBLEM, printJson, type CliIo } from "./io.js";
import { expectPositionals, parseCommandLine } from "./options.js";
import { coverageLines, ruleCoverage, sharedNameWarnings } from "./org-coverage.js";

export async function orgRefresh(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({ args, options: { json: { type: "boolean" } }, allowPositionals: true });
  expectPositionals(positionals, []);
  const config = loadConfig(io.env);
  const source = loadPolicySource(config.policyFile);
  if (!source.needsOrganization) {
    const text = `${config.policyFile} lists its accounts itself (organization.accounts: file): there is no organization to read.`;
    if (values.json) printJson(io, { ok: true, organization: false, message: text });
    else io.out(`${text}\n`);
    return EXIT_OK;
  }
  const organization = organizationPolicy(source, config, systemClock);
  const opened = await openConfiguredStore(config);
  try {
    const shared = {
      source: organization,
      snapshots: opened.organizationSnapshots,
      readBy: leaseHolder("jit-admin", config.database),
      clock: systemClock,
    };
    const read = await readAndStore(shared);
    const reading =
      read.kind === "read" ? organization.resolve(read.snapshot) : ({ kind: "failed", stage: "read", problem: read.problem } as const);
    if (reading.kind === "failed") {
      const what =
        reading.stage === "read" ? "AWS Organizations could not be read" : "the policy file does not resolve against the organization";
      if (values.json) printJson(io, { ok: false, stage: reading.stage, problem: reading.problem });
      else io.err(`${what}: ${reading.problem}\n`);
      return EXIT_PROBLEM;
    }
    const { policy, snapshot } = reading;
    const warnings = [...reading.warnings, ...sharedNameWarnings(policy)];
    const coverage = ruleCoverage(policy, snapshot);
    const counts = {
      inOrganization: snapshot.accounts.length,
      active: snapshot.accounts.filter(isActive).length,
      offered: policy.accounts.length,
    };
    if (values.json) {
      printJson(io, { ok: true, readAt: new Date(snapshot.readAt).toISOString(), stored: true, accounts: counts, warnings, coverage });
      return EXIT_OK;
    }
    io.out(
      `Read the organization at ${new Date(snapshot.readAt).toISOString()}: ${counts.inOrganization} accounts, ${counts.active} active, ${counts.offered} offered by ${config.policyFile}.\n`,
    );
    for (const warning of warnings) io.out(`warning: ${warning}\n`);
    io.out(`${coverageLines(coverage).join("\n")}\n`);
    io.out(
      `\nStored in the database: running bots take it up at their next refresh check (each minute), and read AWS Organizations again when it is ${source.refreshMs / 60_000} minutes old (organization.refreshMinutes: every ${source.refreshMs / 60_000} minutes).\n`,
    );
    return EXIT_OK;
  } finally {
    organization.close();
    await opened.close();
  }
}
