// A set of grant statuses as the list inside SQL's IN ( ... ); the statuses are the domain's own
// constants, never input, so they are written into the statement.
import type { GrantStatus } from "../domain/grant.js";

export function statusList(statuses: readonly GrantStatus[]): string {
  return statuses.map((status) => `'${status}'`).join(", ");
}
