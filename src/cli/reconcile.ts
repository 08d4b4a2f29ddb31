// `jit-admin reconcile [--dry-run]`: compares grants with AWS now, as the bot does on its schedule.
import { loadConfig } from "../config/env.js";
import { policyNow } from "../organization-policy.js";
import { withServiceDeps } from "../runtime.js";
import type { AssignmentTarget } from "../services/ports.js";
import { reconcile, type ReconcileReport } from "../services/reconcile.js";
import { cliLogger, openConfiguredStore } from "./environment.js";
import { EXIT_OK, EXIT_PROBLEM, formatTable, printJson, type CliIo } from "./io.js";
import { expectPositionals, parseCommandLine } from "./options.js";

export async function reconcileCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: { "dry-run": { type: "boolean" }, json: { type: "boolean" } },
    allowPositionals: true,
  });
  expectPositionals(positionals, []);
  const dryRun = values["dry-run"] === true;
  const config = loadConfig(io.env);
  const policy = await policyNow(config, cliLogger());
  const opened = await openConfiguredStore(config);
  try {
    const report = await withServiceDeps(config, policy, cliLogger(), opened, (deps) => reconcile(deps, { dryRun }));
    const drift = report.missing.length + report.orphans.length + report.orphanMemberships.length + report.unmanaged.length;
    if (values.json) printJson(io, jsonReport(report, dryRun, policy.unmanagedAssignments));
    else io.out(textReport(report, dryRun, policy.unmanagedAssignments));
    // A dry run that finds drift is a finding to act on; a real run has acted on it.
    return dryRun && drift > 0 ? EXIT_PROBLEM : EXIT_OK;
  } finally {
    await opened.close();
  }
}

type Mode = "ignore" | "report" | "enforce";

const target = (t: AssignmentTarget) => ({
  accountId: t.accountId,
  permissionSet: t.permissionSetName,
  principalType: t.principalType ?? "USER",
  principalId: t.principalId,
});

function jsonReport(report: ReconcileReport, dryRun: boolean, unmanagedMode: Mode) {
  return {
    dryRun,
    unmanagedMode,
    missing: report.missing.map((grant) => ({ grantId: grant.id, ...target({ ...grant, principalId: grant.principalId ?? "" }) })),
    orphans: report.orphans.map(target),
    orphanMemberships: report.orphanMemberships.map((m) => ({ groupId: m.groupId, principalId: m.principalId })),
    unmanaged: report.unmanaged.map(target),
  };
}

function textReport(report: ReconcileReport, dryRun: boolean, unmanagedMode: Mode): string {
  const verb = (done: string, would: string) => (dryRun ? would : done);
  const lines: string[] = [];
  const section = (title: string, rows: string[][]) => {
    if (rows.length === 0) return;
    lines.push(title, formatTable([["GRANT", "ACCOUNT", "PERMISSION SET", "PRINCIPAL"], ...rows]));
  };
  section(
    `Active grants whose assignment is gone from AWS (${verb("ended", "would be ended")}):`,
    report.missing.map((g) => [g.id, g.accountId, g.permissionSetName, g.principalId ?? "-"]),
  );
  section(
    `Assignments the bot created that outlived their grant (${verb("deleted", "would be deleted")}):`,
    report.orphans.map((t) => ["-", t.accountId, t.permissionSetName, t.principalId]),
  );
  section(
    `Group memberships the bot added that outlived their grant (${verb("removed", "would be removed")}):`,
    report.orphanMemberships.map((m) => ["-", "-", `group ${m.groupId}`, m.principalId]),
  );
  section(
    `Standing assignments no grant explains (${unmanagedMode === "enforce" ? verb("deleted", "would be deleted") : verb("reported", "would be reported")}):`,
    report.unmanaged.map((t) => ["-", t.accountId, t.permissionSetName, `${t.principalType ?? "USER"} ${t.principalId}`]),
  );
  if (lines.length === 0) lines.push("No drift: the grants and AWS agree.\n");
  return lines.join("\n");
}
