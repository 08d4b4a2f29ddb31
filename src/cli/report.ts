// `jit-admin report --from 2026-10-01 --to 2026-12-31 [--account <id|name>] [--format html|json|csv]
// [--output <file>]`: the user access review for a period, from the database, with the audit
// chain's verdict. A bare --to date is the last day of the period (the report covers it whole).
import { closeSync, writeSync } from "node:fs";
import { keyring } from "../audit/checkpoint.js";
import { verifyTrail, type TrailSource } from "../audit/verify-trail.js";
import { parseExportDate } from "../audit/export.js";
import { ConfigError } from "../config/problems.js";
import { loadPolicySource } from "../config/policy-file.js";
import { accessReview } from "../domain/access-review.js";
import { InvalidInput } from "../domain/errors.js";
import type { Policy } from "../domain/policy.js";
import { openOwnerOnlyForWriting } from "../private-files.js";
import { reportCsv } from "../report/report-csv.js";
import type { ChainCheck, ReportData } from "../report/report-data.js";
import { reportHtml } from "../report/report-html.js";
import type { StoreBackend } from "../store/backend.js";
import { openAdminStore } from "./environment.js";
import { EXIT_OK, UsageError, type CliIo } from "./io.js";
import { expectPositionals, parseCommandLine } from "./options.js";
import { publicKeys } from "./public-keys.js";

const FORMATS = ["html", "json", "csv"] as const;
type Format = (typeof FORMATS)[number];
const DAY_MS = 86_400_000;
/** A review longer than this is almost surely a typo in a year. */
const MAX_PERIOD_MS = 3 * 366 * DAY_MS;
/** Permission sets whose name says they only read: the rest can change things. */
const READ_ONLY_NAME = /read.?only|view.?only|security.?audit|auditor/i;

function date(value: string | undefined, option: string, endOfDay: boolean): number {
  if (value === undefined) throw new UsageError(`${option} is required, e.g. ${option} 2026-10-01.`);
  try {
    const at = parseExportDate(value, option);
    return endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(value) ? at + DAY_MS : at;
  } catch (error) {
    if (error instanceof InvalidInput) throw new UsageError(error.message);
    throw error;
  }
}

/** The policy, for account names and rules' maxima; a report can be made without it (ids only). */
function policyIfAny(env: Readonly<Record<string, string | undefined>>, io: CliIo): Policy | undefined {
  const file = env.JIT_POLICY_FILE?.trim() || "policy.yaml";
  try {
    return loadPolicySource(file).check(null).policy;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`No policy read (${file}): accounts are shown by id and rules without their maximum.\n`);
    return undefined;
  }
}

/** The chain check under way: `started` once its reading is off this thread (or will not be), `result` at the end. */
interface ChainCheckRun {
  readonly started: Promise<void>;
  readonly result: Promise<ChainCheck>;
}

/**
 * Starts checking the chain. Where the store scans it on worker threads, the scan starts before the
 * period is read, so the two run side by side; elsewhere the links are walked as they are read.
 */
function startChainCheck(opened: StoreBackend, env: Readonly<Record<string, string | undefined>>, from: number, to: number): ChainCheckRun {
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const audit = opened.audit;
  const scanChain = audit.scan?.bind(audit);
  if (!scanChain) markStarted();
  const result = (async (): Promise<ChainCheck> => {
    try {
      const keys = await publicKeys([], env);
      const checkpoints = await opened.checkpoints.all();
      let inPeriod = 0;
      const source: TrailSource = {
        issuedThrough: () => audit.issuedThrough(),
        links: async function* () {
          for await (const link of audit.links()) {
            if (link.at >= from && link.at < to) inPeriod += 1;
            yield link;
          }
        },
        scan: scanChain
          ? async (request, options) => {
              const scanning = scanChain({ ...request, window: { from, until: to } }, options);
              markStarted();
              const scan = await scanning;
              inPeriod = scan.inWindow;
              return scan;
            }
          : undefined,
      };
      const report = await verifyTrail(source, {
        keys: keyring(keys),
        checkpoints: checkpoints.map((checkpoint) => ({ checkpoint, from: "the database" })),
        copies: [],
      });
      const first = report.problems[0];
      const broken = report.chain.ok ? undefined : `record #${report.chain.firstBad.seq}: ${report.chain.firstBad.problem}`;
      return {
        ok: report.ok,
        records: report.records,
        inPeriod,
        checkpoints: report.checkpoints.checked ? { valid: report.checkpoints.valid, found: report.checkpoints.found } : null,
        problem: broken ?? (first ? `records #${first.firstSeq}–#${first.lastSeq}: ${first.problem}` : null),
      };
    } finally {
      markStarted();
    }
  })();
  return { started, result };
}

function render(data: ReportData, format: Format): string {
  if (format === "csv") return reportCsv(data);
  if (format === "json") return `${JSON.stringify(data, null, 2)}\n`;
  return reportHtml(data);
}

export async function reportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: {
      from: { type: "string" },
      to: { type: "string" },
      account: { type: "string" },
      format: { type: "string" },
      output: { type: "string" },
      database: { type: "string" },
    },
    allowPositionals: true,
  });
  expectPositionals(positionals, []);
  const from = date(values.from, "--from", false);
  const to = date(values.to, "--to", true);
  if (to <= from) throw new UsageError("--to must be after --from.");
  if (to - from > MAX_PERIOD_MS) throw new UsageError("A report covers at most three years; give a shorter period.");
  const format = (values.format ?? "html") as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}.`);

  const policy = policyIfAny(io.env, io);
  const names = new Map((policy?.accounts ?? []).map((account) => [account.id, account.name]));
  const wanted = values.account?.trim().toLowerCase();
  const opened = await openAdminStore(io.env, values.database);
  let data: ReportData;
  try {
    // Begun first: where the chain is scanned on worker threads, this thread reads the period meanwhile.
    const chain = startChainCheck(opened, io.env, from, to);
    // Awaited below; a failure reading the period must not leave this rejection unhandled meanwhile.
    chain.result.catch(() => undefined);
    await chain.started;
    const records = await opened.history.ofPeriod(from, to);
    const grants = wanted
      ? records.grants.filter((grant) => grant.accountId === wanted || names.get(grant.accountId)?.toLowerCase() === wanted)
      : records.grants;
    const now = Date.now();
    const review = accessReview({
      period: { from, to },
      now,
      grants,
      approvers: records.approvers,
      extensions: records.extensions,
      accountName: (id) => names.get(id),
      ruleMaxMs: (name) => policy?.rules.find((rule) => rule.name === name)?.maxDurationMs,
      writeCapable: (permissionSet) => !READ_ONLY_NAME.test(permissionSet),
      activity: records.activity,
    });
    data = {
      review,
      chain: await chain.result,
      generatedAt: now,
      account: values.account ?? null,
      source: opened.location,
    };
  } finally {
    await opened.close();
  }
  const text = render(data, format);
  if (values.output === undefined) io.out(text);
  else {
    // A review names people and their access: readable by its owner only, like audit exports.
    const { fd } = openOwnerOnlyForWriting(values.output);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    io.err(
      `Wrote the ${format} report for ${new Date(from).toISOString().slice(0, 10)} to ${new Date(to - 1).toISOString().slice(0, 10)} to ${values.output}.\n`,
    );
  }
  if (!data.chain.ok) io.err(`Warning: the audit trail does not verify (${data.chain.problem}); the report says so.\n`);
  return EXIT_OK;
}
