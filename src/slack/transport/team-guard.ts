// Serves only the workspace the bot is installed in. Slack Connect lets people of other
// organisations run our command and click our buttons in shared channels, and the policy names
// people by Slack id or by email: an address is only as good as the workspace vouching for it, so
// someone elsewhere using an approver's address must not be able to approve, or request as them.
import type { AnyMiddlewareArgs, App, Middleware } from "@slack/bolt";
import type { Refusal } from "../../services/refusals.js";

export interface HomeWorkspace {
  readonly teamId: string | undefined;
  /** Set for an org-wide (Enterprise Grid) installation, which then serves the whole organisation. */
  readonly enterpriseId: string | undefined;
}

export const FOREIGN_WORKSPACE_REPLY = ":no_entry: jit-slack only serves the workspace it is installed in; nothing was done.";

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Every workspace a payload names: where it was sent from and the acting user's own. */
export function teamIdsOf(body: unknown, contextTeamId: string | undefined): string[] {
  const candidates = [contextTeamId, field(body, "team_id"), field(field(body, "team"), "id"), field(field(body, "user"), "team_id")];
  return candidates.filter((id): id is string => typeof id === "string" && id !== "");
}

export function fromHome(home: HomeWorkspace, body: unknown, context: { teamId?: string; enterpriseId?: string }): boolean {
  if (home.enterpriseId !== undefined) return context.enterpriseId === home.enterpriseId;
  const teams = teamIdsOf(body, context.teamId);
  return teams.length > 0 && teams.every((id) => id === home.teamId);
}

/** A payload from elsewhere: who sent it and the workspaces it named (claims, except Slack's signature). */
export interface ForeignPayload {
  readonly userId: string;
  readonly teams: readonly string[];
  readonly enterpriseId: string | null;
}

export function homeWorkspaceOnly(home: HomeWorkspace, refused: (payload: ForeignPayload) => Promise<void>): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    if (fromHome(home, args.body, args.context)) {
      await args.next();
      return;
    }
    await refused({
      userId: args.context.userId ?? "unknown",
      teams: teamIdsOf(args.body, args.context.teamId),
      enterpriseId: args.context.enterpriseId ?? null,
    });
    if ("command" in args) await args.ack({ response_type: "ephemeral", text: FOREIGN_WORKSPACE_REPLY });
    else if ("ack" in args && args.ack) await args.ack();
  };
}

/**
 * Learns the bot's own workspace (auth.test) and refuses everything from any other, handing each
 * refusal to `refused` (which audits and logs it, rate-limited).
 */
export async function guardHomeWorkspace(app: App, refused: (payload: ForeignPayload) => Promise<void>): Promise<void> {
  const identity = await app.client.auth.test();
  const enterpriseId = identity.is_enterprise_install ? identity.enterprise_id : undefined;
  if (!identity.team_id && !enterpriseId) throw new Error("auth.test named no workspace");
  app.use(homeWorkspaceOnly({ teamId: identity.team_id, enterpriseId }, refused));
}

/** The refusal of a foreign payload, as the audit trail records it. */
export function foreignRefusal(payload: ForeignPayload): Refusal {
  return {
    actorId: payload.userId,
    attempt: "foreign-workspace",
    reason: "the request came from another Slack workspace or organisation; nothing was done",
    context: { teams: payload.teams.join(","), ...(payload.enterpriseId ? { enterprise: payload.enterpriseId } : {}) },
  };
}
