// `jit-admin audit verify`: walks the whole hash chain and names the first record that does not hold.
import { openAdminStore } from "./environment.js";
import { EXIT_OK, EXIT_PROBLEM, printJson, type CliIo } from "./io.js";
import { expectPositionals, parseCommandLine } from "./options.js";

export async function auditVerify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: { json: { type: "boolean" }, database: { type: "string" } },
    allowPositionals: true,
  });
  expectPositionals(positionals, []);
  const opened = await openAdminStore(io.env, values.database);
  let verdict;
  try {
    verdict = await opened.audit.verify();
  } finally {
    await opened.close();
  }
  if (values.json) {
    printJson(io, verdict);
  } else if (verdict.ok) {
    io.out(
      verdict.head
        ? `The audit trail is intact: ${verdict.records} records, #1 to #${verdict.head.seq}; last hash ${verdict.head.hash}\n`
        : "The audit trail is empty.\n",
    );
  } else {
    io.out(
      `The audit trail is broken at record #${verdict.firstBad.seq}: ${verdict.firstBad.problem}.\n` +
        `${verdict.intactRecords} records before it are intact.\n`,
    );
  }
  return verdict.ok ? EXIT_OK : EXIT_PROBLEM;
}
