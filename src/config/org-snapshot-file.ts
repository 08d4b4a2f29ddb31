// An OrgSnapshot saved as JSON (JSON.stringify of one), read back for policy:check --org-snapshot.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { OU_ID, ROOT_ID, type OrgSnapshot } from "../domain/organization.js";
import { ConfigError, describeIssues } from "./problems.js";

const unitId = z.string().refine((id) => OU_ID.test(id) || ROOT_ID.test(id), { error: "must be an OU id (ou-…) or a root id (r-…)" });

const snapshotSchema = z.strictObject({
  readAt: z.number({ error: "must be the time it was read, in epoch milliseconds" }).int().nonnegative(),
  rootId: z.string().regex(ROOT_ID, { error: "must be a root id (r-…)" }),
  units: z.array(
    z.strictObject({
      id: unitId,
      name: z.string().min(1),
      path: z.string().startsWith("/", { error: 'must start with "/"' }),
      parentId: unitId.nullable(),
    }),
  ),
  accounts: z.array(
    z.strictObject({
      id: z.string().regex(/^\d{12}$/, { error: "must be exactly 12 digits" }),
      name: z.string().min(1),
      state: z.enum(["ACTIVE", "SUSPENDED", "PENDING_ACTIVATION", "PENDING_CLOSURE", "CLOSED"]),
      parentId: unitId,
      tags: z.record(z.string(), z.string()),
    }),
  ),
});

export function parseOrgSnapshot(text: string, source: string): OrgSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(source, [`is not JSON: ${(error as Error).message}`]);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues));
  return parsed.data;
}

export function loadOrgSnapshot(path: string): OrgSnapshot {
  const source = `The organization snapshot ${path}`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(source, [`cannot be read: ${(error as Error).message}`]);
  }
  return parseOrgSnapshot(text, source);
}
