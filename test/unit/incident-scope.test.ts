import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inScope, resolveScope, scopeKey } from "../../src/domain/incident-scope.js";
import type { Policy } from "../../src/domain/policy.js";
import { MEMORY_POLICY } from "../support/memory-ports.js";
import { newGrant, PROD, storedGrant } from "../support/store-fixtures.js";

const SANDBOX = "444455556666";
const POLICY: Policy = {
  ...MEMORY_POLICY,
  accounts: [
    { id: PROD, name: "prod" },
    { id: SANDBOX, name: "Sandbox Team" },
    { id: "777788889999", name: "ReadOnlyAccess" },
  ],
  permissionSets: ["AdministratorAccess", "ReadOnlyAccess"],
};
const typed = (text: string) => resolveScope(POLICY, { kind: "typed", text });

describe("the incident switch's scope", () => {
  it("reads nothing as every grant, and a bare name as the account or permission set it names", () => {
    assert.deepEqual(typed(""), {});
    assert.deepEqual(typed("  "), {});
    assert.deepEqual(typed("PROD"), { account: { id: PROD, name: "prod" } });
    assert.deepEqual(typed(SANDBOX), { account: { id: SANDBOX, name: "Sandbox Team" } });
    assert.deepEqual(typed("sandbox team"), { account: { id: SANDBOX, name: "Sandbox Team" } });
    assert.deepEqual(typed("administratoraccess"), { permissionSet: "AdministratorAccess" });
  });

  it("refuses a name that is both an account and a permission set, telling how to choose, and takes the prefixes", () => {
    assert.throws(
      () => typed("ReadOnlyAccess"),
      (error: Error) =>
        error.constructor.name === "InvalidInput" &&
        /names both the account ReadOnlyAccess \(777788889999\) and the permission set ReadOnlyAccess/.test(error.message) &&
        /account:ReadOnlyAccess or set:ReadOnlyAccess/.test(error.message),
    );
    assert.deepEqual(typed("account:ReadOnlyAccess"), { account: { id: "777788889999", name: "ReadOnlyAccess" } });
    assert.deepEqual(typed("SET:readonlyaccess"), { permissionSet: "ReadOnlyAccess" });
  });

  it("names what is known when a name is unknown", () => {
    assert.throws(
      () => typed("nowhere"),
      (error: Error) =>
        error.constructor.name === "NotFound" &&
        error.message ===
          'No account or permission set is called "nowhere". Accounts: prod (111122223333), Sandbox Team (444455556666), ' +
            "ReadOnlyAccess (777788889999). Permission sets: AdministratorAccess, ReadOnlyAccess.",
    );
    assert.throws(() => typed("account:nowhere"), /No account is called "nowhere"\. Accounts: prod \(111122223333\)/);
    assert.throws(() => typed("set:prod"), /No permission set is called "prod"\. Permission sets: AdministratorAccess, ReadOnlyAccess\.$/);
    assert.throws(() => typed("account:"), /Name the account after account:/);
  });

  it("counts the names past the first twenty instead of listing them all", () => {
    const many: Policy = { ...POLICY, permissionSets: Array.from({ length: 25 }, (_, i) => `Set${i}`) };
    assert.throws(() => resolveScope(many, { kind: "typed", text: "set:nope" }), /Set19 and 5 more\.$/);
  });

  it("round-trips through its key by ids only, and refuses a key that is not one", () => {
    for (const scope of [
      {},
      typed("prod"),
      typed("set:ReadOnlyAccess"),
      resolveScope(POLICY, { kind: "named", account: "prod", permissionSet: "ReadOnlyAccess" }),
    ]) {
      assert.deepEqual(resolveScope(POLICY, { kind: "key", key: scopeKey(scope) }), scope);
    }
    assert.equal(scopeKey(typed("Sandbox Team")), `account:${SANDBOX}`);
    for (const forged of ["", "everything", "account:prod", "set:", "account:111122223333 account:444455556666", 42, "x".repeat(300)]) {
      assert.throws(
        () => resolveScope(POLICY, { kind: "key", key: forged }),
        /does not belong to anything jit-slack knows/,
        String(forged),
      );
    }
  });

  it("matches grants on its account and of its permission set", () => {
    const grant = storedGrant(newGrant("jit-aaaaaaaa"));
    assert.ok(inScope({}, grant));
    assert.ok(inScope(typed("prod"), grant));
    assert.ok(!inScope(typed("sandbox team"), grant));
    assert.ok(inScope(typed("set:AdministratorAccess"), grant));
    assert.ok(!inScope(typed("set:ReadOnlyAccess"), grant));
  });
});
