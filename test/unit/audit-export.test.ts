// Audit export: CSV by RFC 4180 and safe to open in a spreadsheet, JSON for scripts, date bounds.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { csvField, csvLine, exportAudit, parseExportDate } from "../../src/audit/export.js";
import type { StoredAuditRecord } from "../../src/domain/audit-event.js";
import { InvalidInput } from "../../src/domain/errors.js";
import { collect } from "../support/collect.js";

const T0 = Date.UTC(2026, 0, 2, 9, 30);

function record(overrides: Partial<StoredAuditRecord> = {}): StoredAuditRecord {
  return {
    seq: 7,
    at: T0,
    action: "approved",
    actorId: "U0BOB",
    grantId: "jit-abcdefgh",
    accountId: "111122223333",
    permissionSet: "AdministratorAccess",
    detail: {
      status: "approved",
      actorEmail: "bob@example.com",
      requesterId: "U0ALICE",
      requesterEmail: "alice@example.com",
      rule: "engineers",
      durationMs: 5_400_000,
      justification: "INC-42",
      decidedBy: "U0BOB",
      expiresAt: null,
      awsRequestIds: null,
    },
    prevHash: "a".repeat(64),
    hash: "b".repeat(64),
    ...overrides,
  };
}

/** A small RFC 4180 reader, to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += 1;
    } else field += c;
  }
  assert.equal(field, "", "the file ends with CRLF");
  return rows;
}

const csv = async (records: StoredAuditRecord[]) => (await collect(exportAudit(records, "csv"))).join("");
const json = async (records: StoredAuditRecord[]) => (await collect(exportAudit(records, "json"))).join("");

describe("csvField", () => {
  it("leaves plain text alone", async () => {
    assert.equal(csvField("AdministratorAccess"), "AdministratorAccess");
    assert.equal(csvField(42), "42");
    assert.equal(csvField(true), "true");
  });

  it("writes null and undefined as empty fields", async () => {
    assert.equal(csvField(null), "");
    assert.equal(csvField(undefined), "");
  });

  it("quotes fields with commas, quotes, CR or LF, doubling the quotes", async () => {
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("line\nbreak"), '"line\nbreak"');
    assert.equal(csvField("cr\rhere"), '"cr\rhere"');
  });

  it("defuses anything a spreadsheet would run as a formula", async () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) {
      const field = csvField(`${start}HYPERLINK("http://evil")`);
      assert.ok(field.startsWith(`'${start}`) || field.startsWith(`"'${start}`), JSON.stringify(field));
    }
    assert.equal(csvField("=1+1"), "'=1+1");
    assert.equal(csvField('=cmd|" /C calc"!A0,x'), `"'=cmd|"" /C calc""!A0,x"`);
  });

  it("leaves formula characters alone when they are not at the start", async () => {
    assert.equal(csvField("a=b"), "a=b");
    assert.equal(csvField("user@example.com"), "user@example.com");
  });
});

describe("CSV export", () => {
  it("has a header row and ends every row with CRLF", async () => {
    const text = await csv([record()]);
    assert.ok(text.endsWith("\r\n"));
    const [header, row] = parseCsv(text);
    assert.deepEqual(header, [
      "seq",
      "time",
      "action",
      "actor",
      "actor_email",
      "grant_id",
      "account_id",
      "permission_set",
      "status",
      "requester",
      "requester_email",
      "duration",
      "justification",
      "approver",
      "expires_at",
      "aws_request_ids",
      "error",
      "detail",
      "prev_hash",
      "hash",
    ]);
    assert.equal(row?.length, header?.length);
  });

  it("writes what a reviewer reads, then the full detail and the chain hashes", async () => {
    const [header, row] = parseCsv(await csv([record()]));
    const byName = Object.fromEntries((header ?? []).map((name, i) => [name, row?.[i]]));
    assert.deepEqual(
      { ...byName, detail: JSON.parse(byName.detail ?? "null") },
      {
        seq: "7",
        time: "2026-01-02T09:30:00.000Z",
        action: "approved",
        actor: "U0BOB",
        actor_email: "bob@example.com",
        grant_id: "jit-abcdefgh",
        account_id: "111122223333",
        permission_set: "AdministratorAccess",
        status: "approved",
        requester: "U0ALICE",
        requester_email: "alice@example.com",
        duration: "1h30m",
        justification: "INC-42",
        approver: "U0BOB",
        expires_at: "",
        aws_request_ids: "",
        error: "",
        detail: record().detail,
        prev_hash: "a".repeat(64),
        hash: "b".repeat(64),
      },
    );
  });

  it("keeps a hostile justification intact but inert", async () => {
    const hostile = '=HYPERLINK("http://evil","click"),\r\n"quoted"';
    const [, row] = parseCsv(await csv([record({ detail: { ...record().detail, justification: hostile } })]));
    assert.equal(row?.[12], `'${hostile}`);
  });

  it("reports errors from either key services use", async () => {
    const [, failed] = parseCsv(await csv([record({ action: "failed", detail: { reason: "AccessDenied" } })]));
    const [, retry] = parseCsv(
      await csv([record({ action: "revocation_retry", detail: { error: "Throttled", code: "ThrottlingException" } })]),
    );
    assert.equal(failed?.[16], "AccessDenied");
    assert.equal(retry?.[16], "Throttled");
  });

  it("falls back on the actor for records written before the grant context was recorded", async () => {
    const [, requested] = parseCsv(
      await csv([record({ action: "requested", actorId: "U0ALICE", detail: { status: "pending", durationMs: 3_600_000 } })]),
    );
    assert.equal(requested?.[9], "U0ALICE");
    assert.equal(requested?.[11], "1h");
    const [, legacy] = parseCsv(await csv([record({ detail: { status: "approved", awsRequestId: "req-1" } })]));
    assert.equal(legacy?.[13], "U0BOB");
    assert.equal(legacy?.[15], "req-1");
  });

  it("is just the header when there is nothing to export", async () => {
    assert.equal(parseCsv(await csv([])).length, 1);
  });
});

describe("JSON export", () => {
  it("is an array of the stored records with a readable time", async () => {
    const records = [record(), record({ seq: 8, action: "provisioned" })];
    const parsed = JSON.parse(await json(records)) as unknown[];
    assert.deepEqual(
      parsed,
      records.map((r) => ({ ...r, time: new Date(r.at).toISOString() })),
    );
  });

  it("puts one record on each line", async () => {
    assert.equal((await json([record(), record({ seq: 8 })])).split("\n").length, 5);
  });

  it("is an empty array when there is nothing to export", async () => {
    assert.deepEqual(JSON.parse(await json([])), []);
  });

  it("reads the records lazily", async () => {
    let read = 0;
    const lazy = (function* () {
      for (const r of [record(), record({ seq: 8 })]) {
        read += 1;
        yield r;
      }
    })();
    const chunks = exportAudit(lazy, "json");
    await chunks.next();
    await chunks.next();
    assert.equal(read, 1);
  });
});

describe("csvLine", () => {
  it("joins fields with commas and ends with CRLF", async () => {
    assert.equal(csvLine(["a", 1, null, "b,c"]), 'a,1,,"b,c"\r\n');
  });
});

describe("parseExportDate", () => {
  it("reads a day as midnight UTC", async () => {
    assert.equal(parseExportDate("2026-01-01", "--since"), Date.UTC(2026, 0, 1));
    assert.equal(parseExportDate("2024-02-29", "--since"), Date.UTC(2024, 1, 29));
  });

  it("reads an ISO 8601 time with its zone", async () => {
    assert.equal(parseExportDate("2026-01-01T09:00:00Z", "--since"), Date.UTC(2026, 0, 1, 9));
    assert.equal(parseExportDate("2026-01-01T09:00+02:00", "--since"), Date.UTC(2026, 0, 1, 7));
    assert.equal(parseExportDate("2026-01-01T09:00:00.250Z", "--since"), Date.UTC(2026, 0, 1, 9, 0, 0, 250));
  });

  it("refuses what is not a date, naming the option", async () => {
    for (const bad of [
      "yesterday",
      "2026-1-1",
      "2026-02-30",
      "2025-02-29",
      "2026-13-01",
      "2026-01-01T09:00",
      "2026-01-01T25:00Z",
      "",
      "1767225600000",
    ]) {
      assert.throws(
        () => parseExportDate(bad, "--until"),
        (error: unknown) => error instanceof InvalidInput && /--until/.test(error.message),
        bad,
      );
    }
  });
});
