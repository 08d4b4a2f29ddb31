// `jit-admin grants revoke <grant-id> [--as <name>]`: ends a grant through the bot's own path
// (an approved one cancelled; one being granted or active has its AWS assignment removed, the
// requester told, the approval message updated), audited as the admin. With --all, the incident
// switch (grants-revoke-all.ts).
import { loadConfig } from "../config/env.js";
import { policyNow } from "../organization-policy.js";
import { adminActor, type StoredAuditRecord } from "../domain/audit-event.js";
import { OPEN_STATUSES, type Grant, type GrantStatus } from "../domain/grant.js";
import { withServiceDeps } from "../runtime.js";
import { stopGrant } from "../services/end-grant.js";
import { cliLogger, openConfiguredStore } from "./environment.js";
import { EXIT_OK, EXIT_PROBLEM, printJson, UsageError, type CliIo } from "./io.js";
import { grantsRevokeAll } from "./grants-revoke-all.js";
import { adminName, whoRan } from "./operator.js";
import { expectPositionals, parseCommandLine } from "./options.js";

const REVOCABLE: readonly GrantStatus[] = OPEN_STATUSES.filter((status) => status !== "pending");

export async function grantsRevoke(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: {
      as: { type: "string" },
      json: { type: "boolean" },
      all: { type: "boolean" },
      account: { type: "string" },
      "permission-set": { type: "string" },
      reason: { type: "string" },
      yes: { type: "boolean" },
    },
    allowPositionals: true,
  });
  if (values.all) {
    expectPositionals(positionals, []);
    return grantsRevokeAll(values, io);
  }
  for (const option of ["account", "permission-set", "reason", "yes"] as const) {
    if (values[option] !== undefined) throw new UsageError(`--${option} goes with --all.`);
  }
  const [grantId] = expectPositionals(positionals, ["grant-id"]) as [string];
  const actor = adminActor(adminName(values.as));

  const config = loadConfig(io.env);
  const logger = cliLogger();
  const policy = await policyNow(config, logger);
  const opened = await openConfiguredStore(config);
  try {
    const grant = await opened.store.get(grantId);
    const refusal = !grant
      ? `There is no grant ${grantId}.`
      : !REVOCABLE.includes(grant.status)
        ? `Grant ${grantId} is ${grant.status}; only a grant approved, being granted, active or being revoked can be revoked.`
        : undefined;
    if (refusal || !grant) {
      if (values.json) printJson(io, { ok: false, grantId, status: grant?.status ?? null, error: refusal });
      else io.err(`${refusal}\n`);
      return EXIT_PROBLEM;
    }
    const result = await withServiceDeps(config, policy, logger, opened, (deps) => stopGrant(deps, grant, actor, "admin", whoRan()));
    return report(io, values.json === true, grantId, actor, result, await opened.audit.forGrant(grantId));
  } finally {
    await opened.close();
  }
}

function report(
  io: CliIo,
  json: boolean,
  grantId: string,
  actor: string,
  grant: Grant | undefined,
  records: readonly StoredAuditRecord[],
): number {
  const last = (action: string) => records.filter((record) => record.action === action).at(-1)?.detail;
  const revoked = grant?.status === "revoked" ? last("revoked") : undefined;
  const cancelled = grant?.status === "cancelled";
  const retry = last("revocation_retry");
  const error =
    grant?.status !== "revoking"
      ? undefined
      : retry
        ? `AWS has not removed the assignment yet: ${String(retry.error)}`
        : "another process is still working on the grant (AWS may be creating its assignment); it removes the assignment as soon as that settles";
  const ok = revoked !== undefined || cancelled;
  if (json) {
    printJson(io, {
      ok,
      grantId,
      status: grant?.status ?? null,
      actor,
      assignmentRemoved: revoked?.assignmentRemoved ?? null,
      keptBecause: revoked?.keptBecause ?? null,
      awsRequestId: revoked?.awsRequestId ?? null,
      error: error ?? null,
    });
  } else if (revoked) {
    io.out(
      revoked.assignmentRemoved
        ? `Revoked ${grantId}: the AWS assignment was removed (request ${String(revoked.awsRequestId)}). Audited as ${actor}.\n`
        : `Revoked ${grantId}; the AWS assignment stays because ${String(revoked.keptBecause)}. Audited as ${actor}.\n`,
    );
  } else if (cancelled) {
    io.out(`Cancelled ${grantId} before anything was created in AWS. Audited as ${actor}.\n`);
  } else if (error !== undefined) {
    io.err(`The revocation of ${grantId} has started but ${error}.\nThe bot retries it on every sweep.\n`);
  } else {
    io.err(`Grant ${grantId} is ${grant?.status ?? "gone"}; it was not revoked.\n`);
  }
  return ok ? EXIT_OK : EXIT_PROBLEM;
}
