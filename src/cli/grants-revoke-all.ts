// `jit-admin grants revoke --all [--account X] [--permission-set Y] --reason "…" [--yes]`: the
// incident switch from a terminal. It prints what would end, asks (or, with no terminal to ask on,
// wants --yes), then ends it as /jit revoke --all does, audited as the admin.
import { loadConfig } from "../config/env.js";
import { policyNow } from "../organization-policy.js";
import { adminActor } from "../domain/audit-event.js";
import { InvalidInput } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import { resolveScope, scopeKey, type ScopeAsk } from "../domain/incident-scope.js";
import { withServiceDeps } from "../runtime.js";
import { stopAll, switchPreview, switchReason, type SwitchResult } from "../services/revoke-all.js";
import { cliLogger, openConfiguredStore } from "./environment.js";
import { GRANT_HEADER, grantRow } from "./grants-list.js";
import { EXIT_OK, EXIT_PROBLEM, formatTable, printJson, UsageError, type CliIo } from "./io.js";
import { adminName, whoRan } from "./operator.js";

export interface RevokeAllOptions {
  readonly as?: string | undefined;
  readonly json?: boolean | undefined;
  readonly account?: string | undefined;
  readonly "permission-set"?: string | undefined;
  readonly reason?: string | undefined;
  readonly yes?: boolean | undefined;
}

export async function grantsRevokeAll(options: RevokeAllOptions, io: CliIo): Promise<number> {
  if (options.reason === undefined) throw new UsageError('--all needs --reason "…": it is recorded with every grant it ends.');
  const reason = usable(() => switchReason(options.reason ?? ""));
  const actor = adminActor(adminName(options.as));
  const json = options.json === true;
  const ask: ScopeAsk = {
    kind: "named",
    ...(options.account !== undefined ? { account: options.account } : {}),
    ...(options["permission-set"] !== undefined ? { permissionSet: options["permission-set"] } : {}),
  };

  const config = loadConfig(io.env);
  const policy = await policyNow(config, cliLogger());
  const scope = usable(() => resolveScope(policy, ask));
  const opened = await openConfiguredStore(config);
  try {
    const preview = await switchPreview(opened.store, scope);
    const key = scopeKey(scope);
    if (preview.active.length === 0) {
      if (json) printJson(io, { ok: true, scope: key, actor, ended: [], alreadyEnding: ids(preview.ending) });
      else io.out(`No active grants in scope ${key}: nothing to end.${endingNote(preview.ending)}\n`);
      return EXIT_OK;
    }
    if (!json) {
      io.out(`Would end ${count(preview.active)} in scope ${key}:${endingNote(preview.ending)}\n`);
      io.out(formatTable([GRANT_HEADER, ...preview.active.map(grantRow)]));
    }
    if (!options.yes) {
      const refusal = await unconfirmed(io, preview.active.length);
      if (refusal) {
        if (json) printJson(io, { ok: false, scope: key, actor, wouldEnd: ids(preview.active), error: refusal });
        else io.err(`${refusal}\n`);
        return EXIT_PROBLEM;
      }
    }
    const result = await withServiceDeps(config, policy, cliLogger(), opened, (deps) =>
      stopAll(deps, { actorId: actor, scope: ask, reason, context: whoRan() }),
    );
    return report(io, json, actor, result);
  } finally {
    await opened.close();
  }
}

/** Why not to go on, or undefined once confirmed. */
async function unconfirmed(io: CliIo, active: number): Promise<string | undefined> {
  if (!io.confirm) return `Nothing was ended: ending ${count(active)} needs --yes when there is no terminal to confirm on.`;
  return (await io.confirm(`End ${count(active)} now? Type "yes" to go on: `)) ? undefined : "Nothing was ended.";
}

/** A value typed on the command line that the switch cannot use is a usage error. */
function usable<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InvalidInput) throw new UsageError(error.message);
    throw error;
  }
}

function report(io: CliIo, json: boolean, actor: string, result: SwitchResult): number {
  const ok = result.stillRevoking.length === 0;
  if (json) {
    printJson(io, {
      ok,
      scope: scopeKey(result.scope),
      actor,
      ended: ids(result.started),
      alreadyEnding: ids(result.alreadyEnding),
      revoked: result.revoked,
      stillRevoking: ids(result.stillRevoking),
    });
    return ok ? EXIT_OK : EXIT_PROBLEM;
  }
  io.out(`Ended ${count(result.started)}; ${result.alreadyEnding.length} already ending. Audited as ${actor}.\n`);
  if (ok) io.out(`All ${result.started.length + result.alreadyEnding.length} are revoked.\n`);
  else {
    io.err(`Still being removed in AWS: ${ids(result.stillRevoking).join(", ")}.\nThe bot retries each on every sweep.\n`);
  }
  return ok ? EXIT_OK : EXIT_PROBLEM;
}

function count(grants: number | readonly Grant[]): string {
  const n = typeof grants === "number" ? grants : grants.length;
  return n === 1 ? "1 active grant" : `${n} active grants`;
}

function ids(grants: readonly Grant[]): string[] {
  return grants.map((grant) => grant.id);
}

function endingNote(ending: readonly Grant[]): string {
  return ending.length === 0 ? "" : ` (${ending.length} more already being revoked)`;
}
