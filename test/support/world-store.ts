// A world's database as tests read it: through the store interface the bot itself uses, so one test
// runs on either engine. Raw SQL only arranges states the store refuses to reach on purpose.
import Database from "better-sqlite3";
import { systemClock } from "../../src/domain/clock.js";
import { openStore } from "../../src/runtime.js";
import type { StoreBackend } from "../../src/store/backend.js";
import { superuser } from "./test-database.js";
import type { World } from "./world.js";

/** The world's database, opened as the bot opens it; the caller closes it. */
export function openWorldStore(world: World): Promise<StoreBackend> {
  return openStore(world.database, systemClock);
}

/** Opens the world's database for one read and closes it again, so no connection outlives the read. */
export async function withWorldStore<T>(world: World, read: (opened: StoreBackend) => Promise<T>): Promise<T> {
  const opened = await openWorldStore(world);
  try {
    return await read(opened);
  } finally {
    await opened.close();
  }
}

/**
 * Runs SQL straight on the world's database, as someone with the file or a superuser could: a hand
 * edit, a state a bug might leave. `?` placeholders, on either engine.
 */
export async function worldSql(world: World, sql: string, params: ReadonlyArray<string | number | null> = []): Promise<void> {
  if (world.database.kind === "postgres") {
    let n = 0;
    await superuser(
      world.database.url,
      sql.replace(/\?/g, () => `$${++n}`),
      [...params],
    );
    return;
  }
  const db = new Database(world.database.file);
  try {
    if (params.length === 0) db.exec(sql);
    else db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

/**
 * The leases a killed bot held run out, as they would LEASE_TTL_MS after its death: a restarted
 * PostgreSQL replica (a new holder) waits them out, a restarted SQLite bot takes them over at once.
 */
export async function deadBotLeasesRunOut(world: World): Promise<void> {
  await worldSql(world, "UPDATE leases SET expires_at = 0");
}
