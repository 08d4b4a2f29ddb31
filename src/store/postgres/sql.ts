// Small helpers for writing parameterised SQL with PostgreSQL's numbered placeholders.
import type { GrantChanges } from "../../domain/grant.js";
import { changeAssignments } from "../grant-rows.js";

/** Anything that runs a query: the pool, or a client inside a transaction. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** Collects parameter values and hands out their `$n` placeholders in order. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `SET` assignments for the fields present in `changes`, with their values added to `params`. */
export function changeAssignmentsPg(changes: GrantChanges, params: SqlParams): string[] {
  // The column names come from grant-rows.ts's fixed mapping, never from the caller.
  return Object.entries(changeAssignments(changes).params).map(([column, value]) => `${column} = ${params.add(value)}`);
}

export async function selectRows<T>(db: Queryable, text: string, values: unknown[] = []): Promise<T[]> {
  return (await db.query(text, values)).rows as T[];
}

export async function selectRow<T>(db: Queryable, text: string, values: unknown[] = []): Promise<T | undefined> {
  return (await selectRows<T>(db, text, values))[0];
}
