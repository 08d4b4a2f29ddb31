// The Home tabs as the bot runs them: rendered from the store (services/home.ts, views/home-view.ts),
// published through a client that hands rate limits back rather than sleeping on them, and kept
// fresh from the audit trail.
import type { WebClient } from "@slack/web-api";
import type { ServiceDeps } from "../../services/deps.js";
import { homeContents } from "../../services/home.js";
import { homeView } from "../views/home-view.js";
import { HomePublisher } from "./home-publisher.js";
import { HomeRefresher, type AuditLinks } from "./home-refresh.js";

export interface HomeTabs {
  readonly publisher: HomePublisher;
  stop(): Promise<void>;
}

/** `client` must reject rate-limited calls (rejectRateLimitedCalls) so the publisher can wait them out itself. */
export function startHomeTabs(deps: ServiceDeps, client: WebClient, audit: AuditLinks): HomeTabs {
  const publisher = new HomePublisher(
    async (userId) => {
      const contents = await homeContents(deps, userId);
      return { view: homeView(contents, deps.policy.accounts), viewer: contents.viewer, admin: contents.admin };
    },
    async (userId, view) => void (await client.views.publish({ user_id: userId, view })),
    deps.logger,
  );
  const refresher = new HomeRefresher(audit, deps.store, () => deps.policy, publisher, deps.logger);
  refresher.start();
  return {
    publisher,
    async stop() {
      publisher.stop();
      await refresher.stop();
    },
  };
}
