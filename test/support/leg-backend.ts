// A new, empty store of the engine this leg of the suite runs (PostgreSQL with
// JIT_TEST_DATABASE_URL, SQLite otherwise), closed (and its database dropped) when the test ends.
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { StoreBackend } from "../../src/store/backend.js";
import { openPostgresBackend } from "../../src/store/postgres/postgres-backend.js";
import { openSqliteBackend } from "../../src/store/sqlite/sqlite-backend.js";
import { FakeClock, T0 } from "./store-fixtures.js";
import { createTestDatabase, TEST_SERVER_URL } from "./test-database.js";

/** The engine's name, for suite titles. */
export const LEG_ENGINE = TEST_SERVER_URL ? "PostgreSQL" : "SQLite";

/** `dir` holds the SQLite files (one per test, named after it). */
export async function legBackend(t: TestContext, dir: string): Promise<StoreBackend> {
  let backend: StoreBackend;
  if (TEST_SERVER_URL) {
    const database = await createTestDatabase(TEST_SERVER_URL);
    backend = await openPostgresBackend(database.url, new FakeClock(T0));
    t.after(() => database.drop());
  } else {
    backend = openSqliteBackend(join(dir, `${t.name.replace(/\W+/g, "-")}.sqlite`), new FakeClock(T0));
  }
  t.after(() => backend.close());
  return backend;
}
