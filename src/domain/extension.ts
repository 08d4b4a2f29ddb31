// A request for more time on an active grant.

export type ExtensionStatus = "pending" | "approved" | "denied" | "expired";

export interface Extension {
  readonly id: string;
  readonly grantId: string;
  readonly requesterId: string;
  readonly extraMs: number;
  readonly status: ExtensionStatus;
  readonly createdAt: number;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  readonly approvalChannel: string | null;
  readonly approvalTs: string | null;
}

export type NewExtension = Pick<Extension, "id" | "grantId" | "requesterId" | "extraMs" | "createdAt">;
