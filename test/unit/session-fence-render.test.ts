// The fence's policies, evaluated as IAM would evaluate them against sample sessions.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fenceBound, fenceKey, renderFence, roleArnPattern, SCP_MAX_CHARS, type FenceEntry } from "../../src/domain/session-fence.js";
import { scpDenies } from "../support/iam-scp-evaluator.js";

const T0 = Date.parse("2026-12-07T10:00:00Z");
const SECOND = 1_000;
const HOUR = 3_600_000;
const PROD = "111122223333";
const STAGING = "444455556666";

function userId(n: number): string {
  return `906754f7a8-${n.toString(16).padStart(8, "0")}-1b2c-4d5e-8f90-${n.toString(16).padStart(12, "0")}`;
}

function entry(user: number, accountId: string, permissionSetName: string, fencedAt: number): FenceEntry {
  return { principalId: userId(user), accountId, permissionSetName, fencedAt, liftAt: fencedAt + 8 * HOUR, grantId: `g-${user}` };
}

/** An Identity Center role session: the role ARN as IAM reports it (with the home region in the path outside us-east-1). */
function session(user: number, accountId: string, permissionSetName: string, issuedAt: number, region = "") {
  const path = region ? `aws-reserved/sso.amazonaws.com/${region}/` : "aws-reserved/sso.amazonaws.com/";
  return {
    "identitystore:userId": userId(user),
    "aws:PrincipalArn": `arn:aws:iam::${accountId}:role/${path}AWSReservedSSO_${permissionSetName}_0fed56ec5d997fc5`,
    "aws:TokenIssueTime": issuedAt,
  };
}

function denied(documents: readonly string[], context: ReturnType<typeof session>): boolean {
  return documents.some((document) => scpDenies(document, context));
}

describe("session fence policies", () => {
  it("deny the revoked user's sessions of that role issued before the revocation, and nothing else", () => {
    const fencedAt = T0 + 250;
    const { documents, unfenced } = renderFence([entry(1, PROD, "Admin", fencedAt)], new Set(), 2);
    assert.equal(unfenced.length, 0);
    assert.equal(documents.length, 2);
    assert.equal(denied(documents, session(1, PROD, "Admin", T0 - HOUR)), true, "an older session");
    assert.equal(denied(documents, session(1, PROD, "Admin", T0 - HOUR, "eu-west-1")), true, "outside us-east-1");
    assert.equal(denied(documents, session(1, PROD, "Admin", fencedAt)), true, "issued in the revocation's own second");
    assert.equal(denied(documents, session(1, PROD, "Admin", T0 + SECOND)), false, "issued after the bound");
    assert.equal(denied(documents, session(2, PROD, "Admin", T0 - HOUR)), false, "another user");
    assert.equal(denied(documents, session(1, STAGING, "Admin", T0 - HOUR)), false, "another account");
    assert.equal(denied(documents, session(1, PROD, "Admin_Extra", T0 - HOUR)), false, "a permission set whose name starts alike");
    assert.equal(denied(documents, session(1, PROD, "ReadOnly", T0 - HOUR)), false, "another permission set");
  });

  it("bound TokenIssueTime at the revocation time, rounded up to the second", () => {
    assert.equal(fenceBound(Date.parse("2026-12-07T10:00:00.250Z")), "2026-12-07T10:00:01Z");
    assert.equal(fenceBound(Date.parse("2026-12-07T10:00:00Z")), "2026-12-07T10:00:00Z");
  });

  it("keep a re-granted target's own fence time, so the new grant's sessions work", () => {
    const regranted = entry(1, PROD, "Admin", T0);
    const later = entry(1, STAGING, "Admin", T0 + HOUR);
    const { documents } = renderFence([regranted, later], new Set([fenceKey(regranted)]), 1);
    assert.equal(denied(documents, session(1, PROD, "Admin", T0 + 30 * 60_000)), false, "the new grant's session");
    assert.equal(denied(documents, session(1, PROD, "Admin", T0 - SECOND)), true, "a session from before the first revocation");
    assert.equal(denied(documents, session(1, STAGING, "Admin", T0 + 30 * 60_000)), true);
  });

  it("holds 150 users revoked from one role in the size limit, each denied", () => {
    const entries = Array.from({ length: 150 }, (_, i) => entry(i, PROD, "ReadOnlyAccess", T0 + i * SECOND));
    const { documents, unfenced } = renderFence(entries, new Set(), 3);
    assert.equal(unfenced.length, 0);
    for (const document of documents) assert.ok(document.length <= SCP_MAX_CHARS, `${document.length} characters`);
    for (let i = 0; i < 150; i += 1) assert.equal(denied(documents, session(i, PROD, "ReadOnlyAccess", T0 + i * SECOND - 1)), true);
  });

  it("holds at least 100 entries of different users spread over ten roles", () => {
    const sets = ["Admin", "ReadOnlyAccess", "PowerUser", "Billing", "Network"];
    const entries = Array.from({ length: 100 }, (_, i) => entry(i, i % 2 ? PROD : STAGING, sets[i % 5] as string, T0 + i * SECOND));
    const { documents, unfenced } = renderFence(entries, new Set(), 3);
    assert.equal(unfenced.length, 0);
    for (const e of entries) {
      const n = Number(e.grantId.slice(2));
      assert.equal(denied(documents, session(n, e.accountId, e.permissionSetName, e.fencedAt - 1)), true);
    }
  });

  it("reports the entries that do not fit instead of dropping them", () => {
    const entries = Array.from({ length: 120 }, (_, i) => entry(i, String(100000000000 + i), `Set${i}`, T0 + i * SECOND));
    const { documents, unfenced } = renderFence(entries, new Set(), 2);
    assert.ok(unfenced.length > 0);
    for (const document of documents) assert.ok(document.length <= SCP_MAX_CHARS);
    const fenced = entries.filter((e) => !unfenced.some((u) => fenceKey(u) === fenceKey(e)));
    assert.ok(fenced.length > 20, `${fenced.length} fit`);
    for (const e of fenced) {
      const n = Number(e.grantId.slice(2));
      assert.equal(denied(documents, session(n, e.accountId, e.permissionSetName, e.fencedAt - 1)), true);
    }
  });

  it("never pushes out an entry fenced earlier to make room for a later one", () => {
    const older = Array.from({ length: 30 }, (_, i) => entry(i, String(100000000000 + i), `Set${i}`, T0 + i * SECOND));
    const before = renderFence(older, new Set(), 2);
    const fencedBefore = older.filter((e) => !before.unfenced.some((u) => fenceKey(u) === fenceKey(e)));
    assert.ok(before.unfenced.length > 0, "the policies are full");
    const newer = Array.from({ length: 10 }, (_, i) => entry(1000 + i, PROD, "Admin", T0 + HOUR + i * SECOND));
    const after = renderFence([...newer, ...older], new Set(), 2);
    for (const e of fencedBefore) {
      assert.equal(denied(after.documents, session(Number(e.grantId.slice(2)), e.accountId, e.permissionSetName, e.fencedAt - 1)), true);
    }
    assert.ok(
      newer.every((e) => after.unfenced.some((u) => fenceKey(u) === fenceKey(e))),
      "the newer ones are reported instead",
    );
  });

  it("keeps what the last layout fenced when an older entry arrives after newer ones (a burst's writes race)", () => {
    const late = Array.from({ length: 40 }, (_, i) => entry(i, String(100000000000 + i), `Set${i}`, T0 + HOUR + i * SECOND));
    const first = renderFence(late, new Set(), 2);
    const fencedKeys = new Set(late.filter((e) => !first.unfenced.some((u) => fenceKey(u) === fenceKey(e))).map(fenceKey));
    const older = Array.from({ length: 5 }, (_, i) => entry(500 + i, String(200000000000 + i), `Old${i}`, T0 + i * SECOND));
    const again = renderFence([...late, ...older], new Set(), 2, SCP_MAX_CHARS, fencedKeys);
    for (const e of late.filter((candidate) => fencedKeys.has(fenceKey(candidate)))) {
      assert.equal(denied(again.documents, session(Number(e.grantId.slice(2)), e.accountId, e.permissionSetName, e.fencedAt - 1)), true);
    }
    const without = renderFence([...late, ...older], new Set(), 2);
    assert.ok(
      late.some((e) => fencedKeys.has(fenceKey(e)) && without.unfenced.some((u) => fenceKey(u) === fenceKey(e))),
      "without the previous layout, the older entries would push some out",
    );
  });

  it("fills the policies: 280 users of one role fit in three", () => {
    const entries = Array.from({ length: 280 }, (_, i) => entry(i, PROD, "ReadOnlyAccess", T0 + i * SECOND));
    const { documents, unfenced } = renderFence(entries, new Set(), 3);
    assert.equal(unfenced.length, 0);
    for (const document of documents) assert.ok(document.length <= SCP_MAX_CHARS);
  });

  it("writes valid policies that deny nobody when there are no entries", () => {
    const { documents } = renderFence([], new Set(), 2);
    for (const document of documents) {
      assert.equal(JSON.parse(document).Statement.length, 1);
      assert.equal(denied([document], session(1, PROD, "Admin", T0)), false);
    }
  });

  it("renders the same entries the same way whatever their order (no needless policy updates)", () => {
    const entries = Array.from({ length: 30 }, (_, i) => entry(i % 7, i % 3 ? PROD : STAGING, `Set${i % 4}`, T0 + i * SECOND));
    const once = renderFence(entries, new Set(), 2).documents;
    const again = renderFence([...entries].reverse(), new Set(), 2).documents;
    assert.deepEqual(again, once);
  });

  it("never denies a pair nobody revoked, nor a live grant's later sessions, and denies every fenced entry's older sessions", () => {
    const users = fc.integer({ min: 0, max: 5 });
    const accounts = fc.constantFrom(PROD, STAGING);
    const sets = fc.constantFrom("Admin", "Admin_Extra", "ReadOnly");
    const anEntry = fc.record({ user: users, account: accounts, set: sets, at: fc.integer({ min: 0, max: 100 }) });
    fc.assert(
      fc.property(fc.array(anEntry, { maxLength: 25 }), fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }), (raw, liveFlags) => {
        const byKey = new Map<string, FenceEntry>();
        for (const r of raw) {
          const e = entry(r.user, r.account, r.set, T0 + r.at * SECOND);
          byKey.set(fenceKey(e), e);
        }
        const entries = [...byKey.values()];
        const live = new Set(entries.filter((_, i) => liveFlags[i]).map(fenceKey));
        const { documents, unfenced } = renderFence(entries, live, 2);
        assert.equal(unfenced.length, 0);
        for (let user = 0; user <= 5; user += 1) {
          for (const account of [PROD, STAGING]) {
            for (const set of ["Admin", "Admin_Extra", "ReadOnly"]) {
              const e = entry(user, account, set, 0);
              const fenced = byKey.get(fenceKey(e));
              const late = session(user, account, set, T0 + 200 * SECOND);
              assert.equal(denied(documents, late), false, "a session issued after every fence");
              if (!fenced) {
                assert.equal(denied(documents, session(user, account, set, T0 - HOUR)), false, "a pair nobody revoked");
                continue;
              }
              assert.equal(denied(documents, session(user, account, set, fenced.fencedAt - 1)), true, "an older session");
              if (live.has(fenceKey(fenced))) {
                assert.equal(denied(documents, session(user, account, set, fenced.fencedAt + SECOND)), false, "a live grant's session");
              }
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  describe("when the policies are full, a role fenced as a whole", () => {
    const ROLE_WIDE = { enabled: true } as const;
    const burst = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => entry(from + i, PROD, "ReadOnlyAccess", T0 + Math.floor(i / 100) * SECOND));

    it("fences 1,000 users revoked from one role in one statement, and spares the live grants of that role", () => {
      const entries = burst(1000);
      const stillHeld = [entry(5000, PROD, "ReadOnlyAccess", 0), entry(5001, PROD, "ReadOnlyAccess", 0)];
      const live = new Set(stillHeld.map(fenceKey));
      const { documents, unfenced, roleWide, wholeRoles } = renderFence(entries, live, 3, SCP_MAX_CHARS, new Set(), ROLE_WIDE);
      assert.equal(unfenced.length, 0);
      assert.deepEqual([...roleWide.keys()], [roleArnPattern(PROD, "ReadOnlyAccess")]);
      assert.deepEqual(
        wholeRoles.map((role) => [role.accountId, role.permissionSetName, role.spared, role.fencedAt]),
        [[PROD, "ReadOnlyAccess", 2, Math.max(...entries.map((e) => e.fencedAt))]],
      );
      for (const document of documents) assert.ok(document.length <= SCP_MAX_CHARS, `${document.length} characters`);
      for (let i = 0; i < 1000; i += 1) assert.equal(denied(documents, session(i, PROD, "ReadOnlyAccess", T0 - HOUR)), true, `user ${i}`);
      const last = Math.max(...entries.map((e) => e.fencedAt));
      assert.equal(denied(documents, session(5000, PROD, "ReadOnlyAccess", T0 - HOUR)), false, "a live grant's session");
      assert.equal(denied(documents, session(7, PROD, "ReadOnlyAccess", last + SECOND)), false, "a session after the last revocation");
      assert.equal(denied(documents, session(7, STAGING, "ReadOnlyAccess", T0 - HOUR)), false, "the same permission set elsewhere");
      assert.equal(
        denied(documents, session(7, PROD, "ReadOnlyAccess_Extra", T0 - HOUR)),
        false,
        "a permission set whose name starts alike",
      );
      const { "identitystore:userId": _user, ...withoutUser } = session(7, PROD, "ReadOnlyAccess", T0 - HOUR);
      assert.ok(
        documents.some((document) => scpDenies(document, withoutUser)),
        "a session without an Identity Store user",
      );
    });

    it("is not used unless enabled: the entries that do not fit are reported", () => {
      const { unfenced, roleWide } = renderFence(burst(1000), new Set(), 3);
      assert.ok(unfenced.length > 500, `${unfenced.length} unfenced`);
      assert.equal(roleWide.size, 0);
    });

    it("keeps a re-granted user's own fence time, so the new grant works and the sessions before it do not", () => {
      const regranted = entry(3, PROD, "ReadOnlyAccess", T0 + HOUR);
      const entries = [...burst(1000).filter((e) => e.principalId !== regranted.principalId), regranted];
      const { documents, unfenced } = renderFence(entries, new Set([fenceKey(regranted)]), 3, SCP_MAX_CHARS, new Set(), ROLE_WIDE);
      assert.equal(unfenced.length, 0);
      assert.equal(denied(documents, session(3, PROD, "ReadOnlyAccess", T0 + HOUR - SECOND)), true, "before the user's own revocation");
      assert.equal(denied(documents, session(3, PROD, "ReadOnlyAccess", T0 + HOUR + SECOND)), false, "the new grant's session");
    });

    it("lays out a longer burst as the shorter one, written with the policy taking up the role first", () => {
      const first = renderFence(burst(400), new Set(), 3, SCP_MAX_CHARS, new Set(), ROLE_WIDE);
      const keys = new Set(burst(400).map(fenceKey));
      const again = renderFence(burst(400), new Set(), 3, SCP_MAX_CHARS, keys, { enabled: true, before: first.roleWide });
      assert.deepEqual(again.documents, first.documents, "the same entries, the same policies");
      const at = first.roleWide.get(roleArnPattern(PROD, "ReadOnlyAccess")) as number;
      assert.equal(first.writeOrder[0], at, "the policy taking up the role is written first");
      assert.deepEqual(again.writeOrder, [0, 1, 2], "nothing taken up or given up: index order");
      const fewer = renderFence(burst(10), new Set(), 3, SCP_MAX_CHARS, new Set(), { enabled: true, before: first.roleWide });
      assert.equal(fewer.roleWide.size, 0, "ten users fit one by one again");
      assert.equal(fewer.writeOrder.at(-1), at, "the policy giving up the role is written last");
    });

    it("denies every fenced entry's older sessions, spares live grants, stays within the size, over random bursts", () => {
      const anEntry = fc.record({
        user: fc.integer({ min: 0, max: 40 }),
        account: fc.constantFrom(PROD, STAGING),
        set: fc.constantFrom("Admin", "Admin_Extra", "ReadOnly"),
        at: fc.integer({ min: 0, max: 100 }),
      });
      fc.assert(
        fc.property(fc.array(anEntry, { maxLength: 80 }), fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), (raw, liveFlags) => {
          const byKey = new Map<string, FenceEntry>();
          for (const r of raw)
            byKey.set(fenceKey(entry(r.user, r.account, r.set, T0 + r.at * SECOND)), entry(r.user, r.account, r.set, T0 + r.at * SECOND));
          const entries = [...byKey.values()];
          const live = new Set(entries.filter((_, i) => liveFlags[i]).map(fenceKey));
          const maxChars = 1_200;
          const { documents, unfenced, roleWide } = renderFence(entries, live, 2, maxChars, new Set(), ROLE_WIDE);
          for (const document of documents) assert.ok(document.length <= maxChars);
          const left = new Set(unfenced.map(fenceKey));
          for (const e of entries) {
            const n = Number(e.grantId.slice(2));
            const context = (at: number) => session(n, e.accountId, e.permissionSetName, at);
            if (!left.has(fenceKey(e))) assert.equal(denied(documents, context(e.fencedAt - 1)), true, "a fenced entry's older session");
            if (live.has(fenceKey(e))) assert.equal(denied(documents, context(e.fencedAt + SECOND)), false, "a live grant's session");
            assert.equal(denied(documents, context(T0 + 200 * SECOND)), false, "a session issued after every fence");
          }
          for (let user = 100; user < 102; user += 1) {
            for (const [account, set] of [
              [PROD, "Admin"],
              [STAGING, "ReadOnly"],
            ] as const) {
              const wide = roleWide.has(roleArnPattern(account, set));
              if (!wide) assert.equal(denied(documents, session(user, account, set, T0 - HOUR)), false, "a pair nobody revoked");
            }
          }
        }),
        { numRuns: 200 },
      );
    });
  });
});
