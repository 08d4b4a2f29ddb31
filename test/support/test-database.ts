// Throwaway PostgreSQL databases for tests: one per world, on the server JIT_TEST_DATABASE_URL names.
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server the PostgreSQL leg of the test suite runs against, if this run is that leg. */
export const TEST_SERVER_URL: string | undefined = process.env.JIT_TEST_DATABASE_URL || undefined;

/** Runs one statement (several, without `values`) as the superuser the test server URL names. */
export async function superuser(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  // A server stopped under a test must fail the statement, not crash the test process.
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the server at `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const address = new URL(serverUrl);
  address.pathname = `/${name}`;
  return address.toString();
}

export interface TestDatabase {
  readonly url: string;
  /** Drops the database, ending any session still connected to it. */
  drop(): Promise<void>;
}

/** A new empty database, or a copy of `template` (which nobody may be connected to). */
export async function createTestDatabase(serverUrl: string, template?: string): Promise<TestDatabase> {
  const name = `jit_test_${randomBytes(6).toString("hex")}`;
  await superuser(serverUrl, template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  return {
    url: databaseUrl(serverUrl, name),
    drop: async () => {
      await superuser(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** The database name in a PostgreSQL URL. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
