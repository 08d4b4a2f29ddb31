// How each /jit subcommand is typed: shown by /jit help and in the parser's errors.
export const REQUEST_USAGE = "/jit request <account> <permission-set> <duration> [--ticket ABC-123] <justification…>";
export const REQUEST_GROUP_USAGE = "/jit request group <group> <duration> [--ticket ABC-123] <justification…>";
export const REVOKE_USAGE = "/jit revoke <grant-id>";
export const REVOKE_ALL_USAGE = "/jit revoke --all [account|permission-set]";
export const EXTEND_USAGE = "/jit extend <grant-id> <duration>";
export const HELP_USAGE = "/jit help [page]";
export const LIST_USAGE = "/jit list [--review] [page]";
