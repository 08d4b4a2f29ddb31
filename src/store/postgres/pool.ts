// The connection pool every PostgreSQL repository shares, and the message when it cannot connect.
import pg from "pg";
import type { CustomTypesConfig, Pool } from "pg";
import { errorText } from "../../domain/errors.js";

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const DEFAULT_POOL_SIZE = 10;

// pg returns BIGINT and NUMERIC as strings because they can exceed 2^53. Ours are epoch
// milliseconds, ids and counts, all far below it, and the row mappers expect numbers. Set on this
// pool only, so other pg users in the process keep the default.
const numbersAsNumbers: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID || oid === NUMERIC_OID ? Number : pg.types.getTypeParser(oid, format)) as CustomTypesConfig["getTypeParser"],
};

/** A pool for `url`; parameters in the URL (sslmode, application_name, …) win over the defaults here. */
export function createPool(url: string, size = DEFAULT_POOL_SIZE): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: "jit-slack",
    max: size,
    types: numbersAsNumbers,
  });
  // An idle connection the server drops would otherwise crash the process as an unhandled 'error'
  // event; the pool discards it, and the next query that needs the database reports the problem.
  pool.on("error", () => undefined);
  return pool;
}

/** Rethrows a failure to reach the server with the (redacted) URL it was trying. */
export function cannotConnect(location: string, error: unknown): Error {
  const reason = errorText(error);
  return new Error(`Cannot connect to PostgreSQL at ${location}: ${reason}`, { cause: error });
}
