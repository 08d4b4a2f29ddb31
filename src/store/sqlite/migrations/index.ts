// Schema versions, applied in order; PRAGMA user_version records how far a database has come.
// Each migration lives in its own file; add new ones at the end, never edit an applied one.
// A migration is SQL, or code for what SQL cannot do (hashing); either runs inside one transaction.
// The driver's type itself, not database.ts's alias: database.ts imports the migrations.
import type { Database as SqliteDatabase } from "better-sqlite3";
import { GRANTS_AND_AUDIT } from "./001-grants-and-audit.js";
import { auditChain } from "./002-audit-chain.js";
import { OPERATION_LOG } from "./003-operation-log.js";
import { REQUEST_UX } from "./004-request-ux.js";
import { LEASES } from "./005-leases.js";
import { AUDIT_POSTING } from "./006-audit-posting.js";
import { SEEN_REQUESTS } from "./007-seen-requests.js";
import { APPROVER_MESSAGES } from "./008-approver-messages.js";
import { AUDIT_CHECKPOINTS } from "./009-audit-checkpoints.js";
import { UNATTACHED_OPERATIONS } from "./010-unattached-operations.js";
import { SESSION_FENCE } from "./011-session-fence.js";
import { ORGANIZATION_CACHE } from "./012-organization-cache.js";
import { REQUEST_BUNDLES } from "./013-request-bundles.js";
import { APPROVAL_NUDGES } from "./014-approval-nudges.js";
import { GROUP_ACCESS } from "./015-group-access.js";
import { ACTIVITY_DIGESTS } from "./016-activity-digests.js";

export type Migration = string | ((db: SqliteDatabase) => void);

export const MIGRATIONS: readonly Migration[] = [
  GRANTS_AND_AUDIT,
  auditChain,
  OPERATION_LOG,
  REQUEST_UX,
  LEASES,
  AUDIT_POSTING,
  SEEN_REQUESTS,
  APPROVER_MESSAGES,
  AUDIT_CHECKPOINTS,
  UNATTACHED_OPERATIONS,
  SESSION_FENCE,
  ORGANIZATION_CACHE,
  REQUEST_BUNDLES,
  APPROVAL_NUDGES,
  GROUP_ACCESS,
  ACTIVITY_DIGESTS,
];
