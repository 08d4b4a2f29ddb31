// Schema versions, applied in order; PRAGMA user_version records how far a database has come.
// Each migration lives in its own file; add new ones at the end, never edit an applied one.
import { GRANTS_AND_AUDIT } from "./001-grants-and-audit.js";
import { OPERATION_LOG } from "./003-operation-log.js";

export const MIGRATIONS: readonly string[] = [GRANTS_AND_AUDIT, OPERATION_LOG];
