// In-memory ports for the decision flow's unit tests: the grant and extension stores' approval
// parts (one synchronous step per transaction, so each is atomic as the real stores' are), a
// directory of people, and a notifier that keeps what it was asked to send. A port method the
// decision flow does not use throws when called, so a test cannot lean on one unawares.
import { decideApproval, recordsApproval, tallyOf, type ApprovalSubject } from "../../src/domain/approval.js";
import type { AuditAction, AuditNote } from "../../src/domain/audit-event.js";
import type { Extension, NewExtension } from "../../src/domain/extension.js";
import { assertTransition, type Grant, type GrantChanges, type GrantStatus, type NewGrant } from "../../src/domain/grant.js";
import type { Person } from "../../src/domain/people.js";
import type { Policy } from "../../src/domain/policy.js";
import type { ServiceDeps } from "../../src/services/deps.js";
import type {
  ApprovalNote,
  DecideApproval,
  ExtensionStore,
  GrantStore,
  Logger,
  Notifier,
  RecordedApproval,
  UserDirectory,
} from "../../src/services/ports.js";
import { RefusalRecorder } from "../../src/services/refusals.js";
import type { WorkTracker } from "../../src/services/work-tracker.js";
import { FakeClock } from "./store-fixtures.js";

/**
 * The domain's decision for `approverId` approving under a rule that needs `required` approvals and
 * names them as an approver: what the service hands a store's approval primitive.
 */
export function approving(approverId: string, required: number, subject: ApprovalSubject = "request") {
  const rule = {
    name: "r",
    approvers: [{ kind: "slack-user", id: approverId }] as const,
    allowSelfApproval: false,
    approvalsRequired: required,
  };
  const decider: Person = { slackId: approverId, email: null, standing: "member" };
  return (current: { status: string; requesterId: string }, approvers: readonly string[]) =>
    decideApproval(
      { subject, rule, requesterId: current.requesterId, pending: current.status === "pending", approvers },
      { decider, decision: "approve" },
    );
}

/** One audit record as the memory stores keep it. */
export interface MemoryAudit {
  readonly grantId: string;
  readonly action: AuditAction;
  readonly actorId: string;
  readonly detail: AuditNote["detail"];
}

/** Only the methods given; any other throws, naming itself. */
function only<T extends object>(name: string, methods: Partial<T>): T {
  return new Proxy(methods, {
    get(target, property) {
      if (property in target) return Reflect.get(target, property);
      if (property === "then") return undefined;
      throw new Error(`${name}.${String(property)} is not part of the decision flow's in-memory ports`);
    },
  }) as T;
}

export class MemoryApprovals {
  readonly clock: FakeClock;
  readonly grants = new Map<string, Grant>();
  readonly extensionRows = new Map<string, Extension>();
  readonly approvals = new Map<string, string[]>();
  readonly audit: MemoryAudit[] = [];
  /** What the notifier was asked to do, in order: `kind subject-id`. */
  readonly sent: string[] = [];
  private readonly people = new Map<string, Person>();

  constructor(
    private readonly policy: Policy,
    people: readonly Person[],
    now: number,
  ) {
    this.clock = new FakeClock(now);
    for (const person of people) this.people.set(person.slackId, person);
  }

  /** Changes who someone is, as Slack would report them from now on. */
  setPerson(person: Person): void {
    this.people.set(person.slackId, person);
  }

  addGrant(grant: NewGrant, overrides: Partial<Grant> = {}): Grant {
    const stored: Grant = {
      ...grant,
      ticket: grant.ticket ?? null,
      breakGlass: grant.breakGlass ?? false,
      status: "pending",
      updatedAt: grant.createdAt,
      decidedBy: null,
      decidedAt: null,
      decisionReason: null,
      reviewedBy: null,
      reviewedAt: null,
      approvalChannel: null,
      approvalTs: null,
      principalId: null,
      keepsAssignment: false,
      activatedAt: null,
      expiresAt: null,
      warnedAt: null,
      endedAt: null,
      failureReason: null,
      ...overrides,
    };
    this.grants.set(stored.id, stored);
    return stored;
  }

  addExtension(extension: NewExtension): Extension {
    const stored: Extension = {
      ...extension,
      status: "pending",
      decidedBy: null,
      decidedAt: null,
      approvalChannel: null,
      approvalTs: null,
    };
    this.extensionRows.set(stored.id, stored);
    return stored;
  }

  actionsOf(grantId: string): AuditAction[] {
    return this.audit.filter((record) => record.grantId === grantId).map((record) => record.action);
  }

  approversOf(subjectId: string): string[] {
    return [...(this.approvals.get(subjectId) ?? [])];
  }

  deps(): ServiceDeps {
    const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
    const store = this.grantStore();
    return {
      store,
      extensions: this.extensionStore(),
      directory: this.directory(),
      notifier: this.notifier(),
      clock: this.clock,
      policy: this.policy,
      logger,
      refusals: new RefusalRecorder(store, logger, this.clock),
      work: only<WorkTracker>("work", {}),
      operations: only("operations", {}),
      provider: only("provider", {}),
      settings: { revocationAlertAfter: 3 },
    };
  }

  private note(grantId: string, note: AuditNote): void {
    this.audit.push({ grantId, action: note.action, actorId: note.actorId, detail: note.detail });
  }

  private addApprover(subjectId: string, approverId: string): void {
    const approvers = this.approversOf(subjectId);
    if (approvers.includes(approverId)) throw new Error(`approval of ${subjectId} by ${approverId} changed inside a transaction`);
    this.approvals.set(subjectId, [...approvers, approverId]);
  }

  private compareAndSet(id: string, from: GrantStatus, to: GrantStatus, changes: GrantChanges): Grant | undefined {
    const grant = this.grants.get(id);
    if (grant?.status !== from) return undefined;
    const updated: Grant = { ...grant, ...changes, status: to, updatedAt: this.clock.now() };
    this.grants.set(id, updated);
    return updated;
  }

  private grantStore(): GrantStore {
    return only<GrantStore>("store", {
      get: async (id) => this.grants.get(id),
      transition: async (id, from, to, changes, note) => {
        assertTransition(from, to);
        const updated = this.compareAndSet(id, from, to, changes);
        if (updated && note) this.note(id, note);
        return updated;
      },
      note: async (grantId, note) => this.note(grantId, note),
      noteUnattached: async (_scope, note) => this.note("", note),
      approversOf: async (subjectId) => this.approversOf(subjectId),
      approve: async (grantId: string, approverId: string, decide: DecideApproval<Grant>, changes: GrantChanges, note: ApprovalNote) => {
        const current = this.grants.get(grantId);
        if (!current) return undefined;
        const outcome = decide(current, this.approversOf(grantId));
        if (recordsApproval(outcome)) this.addApprover(grantId, approverId);
        const grant = outcome.kind === "approved" ? this.compareAndSet(grantId, "pending", "approved", changes) : current;
        if (!grant) throw new Error(`grant ${grantId} changed inside a transaction`);
        if (outcome.audit) this.note(grantId, { ...note, action: outcome.audit, detail: { ...note.detail, ...tallyOf(outcome) } });
        return { subject: grant, outcome } satisfies RecordedApproval<Grant>;
      },
      extend: async (grantId, extraMs, maxTotalMs, note) => {
        const grant = this.grants.get(grantId);
        if (grant?.status !== "active" || grant.expiresAt === null || grant.activatedAt === null) return undefined;
        if (grant.expiresAt + extraMs - grant.activatedAt > maxTotalMs) return undefined;
        const extended: Grant = { ...grant, expiresAt: grant.expiresAt + extraMs, warnedAt: null, updatedAt: this.clock.now() };
        this.grants.set(grantId, extended);
        this.note(grantId, note);
        return extended;
      },
    });
  }

  private extensionStore(): ExtensionStore {
    return only<ExtensionStore>("extensions", {
      get: async (id) => this.extensionRows.get(id),
      approve: async (id: string, approverId: string, at: number, decide: DecideApproval<Extension>, note: ApprovalNote) => {
        const current = this.extensionRows.get(id);
        if (!current) return undefined;
        const outcome = decide(current, this.approversOf(id));
        if (recordsApproval(outcome)) this.addApprover(id, approverId);
        const extension: Extension =
          outcome.kind === "approved" ? { ...current, status: "approved", decidedBy: approverId, decidedAt: at } : current;
        this.extensionRows.set(id, extension);
        if (outcome.audit) {
          this.note(current.grantId, { ...note, action: outcome.audit, detail: { ...note.detail, extensionId: id, ...tallyOf(outcome) } });
        }
        return { subject: extension, outcome } satisfies RecordedApproval<Extension>;
      },
      close: async (id, status, deciderId, at, note) => {
        const current = this.extensionRows.get(id);
        if (current?.status !== "pending") return undefined;
        const closed: Extension = { ...current, status, decidedBy: deciderId, decidedAt: at };
        this.extensionRows.set(id, closed);
        this.note(current.grantId, { ...note, detail: { ...note.detail, extensionId: id } });
        return closed;
      },
    });
  }

  private directory(): UserDirectory {
    return {
      person: async (slackUserId) => this.people.get(slackUserId) ?? { slackId: slackUserId, email: null, standing: "unknown" },
    };
  }

  private notifier(): Notifier {
    const sent = (kind: string, id: string) => void this.sent.push(`${kind} ${id}`);
    return only<Notifier>("notifier", {
      updateApprovalRequest: async (grant) => sent("approval-message", grant.id),
      tellRequester: async (grant) => sent("requester", grant.id),
      extensionDecided: async (extension, _grant, applied) => sent(applied ? "extension-applied" : "extension-closed", extension.id),
    });
  }
}
