// What /readyz checks: the database takes writes, AWS answers with our credentials, Slack accepts
// the bot token.
import { accessSync, constants, statSync } from "node:fs";
import { ListPermissionSetsCommand, type SSOAdminClient } from "@aws-sdk/client-sso-admin";
import type { WebClient } from "@slack/web-api";
import { toProviderError } from "../aws/errors.js";
import { slackErrorCode } from "../slack/api-errors.js";
import type { SqliteDatabase } from "../store/database.js";
import type { ReadinessCheck } from "./readiness.js";

/** A probe waits this long for SQLite's write lock, blocking the event loop meanwhile, so keep it short. */
const LOCK_WAIT_MS = 100;

/**
 * The file is still the one the bot opened, it may be written, and the write lock can be taken
 * (`BEGIN IMMEDIATE`, then `ROLLBACK`: nothing is written).
 */
export function databaseCheck(db: SqliteDatabase, file: string): ReadinessCheck {
  const onDisk = file !== ":memory:" && !file.startsWith("file:");
  const opened = onDisk ? statSync(file) : undefined;
  return {
    name: "database",
    cacheMs: 1_000,
    run() {
      if (opened) {
        const now = statSync(file);
        if (now.ino !== opened.ino || now.dev !== opened.dev) {
          throw new Error(`${file} is no longer the file the bot opened (replaced or moved); restart the bot`);
        }
        accessSync(file, constants.W_OK);
        // access() says yes to root whatever the mode; a file nobody may write was made read-only on purpose.
        if ((now.mode & 0o222) === 0) throw new Error(`${file} is read-only (mode ${(now.mode & 0o777).toString(8)})`);
      }
      if (db.inTransaction) return;
      const busyTimeout = db.pragma("busy_timeout", { simple: true }) as number;
      db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
      try {
        db.exec("BEGIN IMMEDIATE");
        db.exec("ROLLBACK");
      } finally {
        db.pragma(`busy_timeout = ${busyTimeout}`);
      }
    },
  };
}

/** One page of one permission set: proves the network path, the credentials and the instance. */
export function awsCheck(ssoAdmin: SSOAdminClient, instanceArn: string): ReadinessCheck {
  return {
    name: "aws",
    cacheMs: 5_000,
    async run(signal) {
      try {
        await ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn, MaxResults: 1 }), { abortSignal: signal });
      } catch (error) {
        throw toProviderError(error, "SSO Admin ListPermissionSets");
      }
    },
  };
}

/** `auth.test` with a client that neither retries nor waits out rate limits. */
export function slackCheck(client: WebClient): ReadinessCheck {
  return {
    name: "slack",
    cacheMs: 5_000,
    async run() {
      try {
        await client.auth.test();
      } catch (error) {
        throw new Error(`auth.test failed: ${slackErrorCode(error)}`);
      }
    },
  };
}
