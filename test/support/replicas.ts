// Several bot replicas on one PostgreSQL database (the world's own, or any other): the replicas as
// child processes, grants seeded through the store, and looks at what the replicas wrote.
import type { QueryResultRow } from "pg";
import { systemClock } from "../../src/domain/clock.js";
import { openStore } from "../../src/runtime.js";
import type { StoreBackend } from "../../src/store/backend.js";
import { startChildBot, type ChildBot } from "./child-bot.js";
import { seedActiveGrant, type SeededGrant } from "./seeded-grants.js";
import { superuser } from "./test-database.js";
import type { World } from "./world.js";

/** Runs one statement on the database at `url` with a connection of its own. */
export async function query<T extends QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  return (await superuser(url, text, values)) as T[];
}

/** The world's PostgreSQL database (the world has one when JIT_TEST_DATABASE_URL is set). */
export function postgresUrl(world: World): string {
  if (world.database.kind !== "postgres") throw new Error("this world keeps its data in SQLite: set JIT_TEST_DATABASE_URL");
  return world.database.url;
}

/** Starts `count` replicas at the same moment, each in HTTP mode on a port of its own. */
export function startReplicas(world: World, count: number, env: Record<string, string> = {}): Promise<ChildBot[]> {
  return Promise.all(Array.from({ length: count }, () => startChildBot(world, env)));
}

/** A lease holder is `bot:<host>:<pid>:<random>` on PostgreSQL. */
export function holderPid(holder: string): number | undefined {
  const pid = holder.split(":")[2];
  return pid === undefined ? undefined : Number(pid);
}

/**
 * Puts `count` active grants into the database through the bot's own store, each on its own
 * assignment that exists in the fake AWS, expiring at `expiresAt`. Their audit records are marked
 * delivered, as if the audit channel had them already, so only what happens next is posted.
 */
export async function seedActiveGrants(world: World, url: string, count: number, expiresAt: number): Promise<SeededGrant[]> {
  const opened: StoreBackend = await openStore({ kind: "postgres", url }, systemClock);
  const seed = (i: number): Promise<SeededGrant> =>
    seedActiveGrant(world, opened.store, i, {
      id: `jit-b${String(i).padStart(7, "0")}`,
      justification: "replica burst",
      now: Date.now(),
      expiresAt,
    });
  try {
    const seeded: SeededGrant[] = [];
    // A few at a time: each append waits its turn on audit_head anyway, this only hides round trips.
    for (let start = 0; start < count; start += 10) {
      const batch = Array.from({ length: Math.min(10, count - start) }, (_, k) => seed(start + k));
      seeded.push(...(await Promise.all(batch)));
    }
    await query(url, "UPDATE audit_events SET delivered_at = at WHERE delivered_at IS NULL");
    return seeded;
  } finally {
    await opened.close();
  }
}

/** Moves the grants' expiry: grant i expires at `expiresAt(i)`. */
export async function setExpiry(url: string, ids: readonly string[], expiresAt: (i: number) => number): Promise<void> {
  await query(url, "UPDATE grants SET expires_at = v.at FROM unnest($1::text[], $2::bigint[]) AS v(id, at) WHERE grants.id = v.id", [
    ids,
    ids.map((_, i) => expiresAt(i)),
  ]);
}

export async function statusCounts(url: string): Promise<Record<string, number>> {
  const rows = await query<{ status: string; n: number }>(url, "SELECT status, count(*)::int AS n FROM grants GROUP BY status");
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

export async function holderOf(url: string, key: string): Promise<string | undefined> {
  const rows = await query<{ holder: string }>(url, "SELECT holder FROM leases WHERE key = $1 AND expires_at > $2", [key, Date.now()]);
  return rows[0]?.holder;
}
