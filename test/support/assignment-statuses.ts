// What the fake AWS's own status listing says about assignment operations, read with the real SDK.
import {
  ListAccountAssignmentCreationStatusCommand,
  ListAccountAssignmentDeletionStatusCommand,
  SSOAdminClient,
  type StatusValues,
} from "@aws-sdk/client-sso-admin";
import { sdkClientConfig, type FakeAws } from "../../src/simulators/fake-aws.js";

/** The request ids of the operations of `kind` that AWS lists with `status`. */
export async function listedRequestIds(aws: FakeAws, kind: "creation" | "deletion", status: StatusValues): Promise<Set<string>> {
  const sso = new SSOAdminClient(sdkClientConfig(aws));
  const ids = new Set<string>();
  try {
    let nextToken: string | undefined;
    do {
      const input = { InstanceArn: aws.instanceArn, Filter: { Status: status }, NextToken: nextToken };
      const page =
        kind === "creation"
          ? await sso.send(new ListAccountAssignmentCreationStatusCommand(input)).then((p) => ({
              entries: p.AccountAssignmentsCreationStatus,
              next: p.NextToken,
            }))
          : await sso.send(new ListAccountAssignmentDeletionStatusCommand(input)).then((p) => ({
              entries: p.AccountAssignmentsDeletionStatus,
              next: p.NextToken,
            }));
      for (const entry of page.entries ?? []) if (entry.RequestId) ids.add(entry.RequestId);
      nextToken = page.next;
    } while (nextToken);
  } finally {
    sso.destroy();
  }
  return ids;
}
