// Checkpoint cost: audited writes per second on SQLite through the bot's own store, without
// checkpoints, with the checkpointer at its default cadence, and with checkpoints made back to back;
// next to the disk's own bound and the cost of one checkpoint.
import { generateKeyPairSync } from "node:crypto";
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Checkpointer } from "../src/audit/checkpointer.js";
import { statementBytes } from "../src/audit/checkpoint.js";
import { FileSink } from "../src/audit/file-sink.js";
import type { AuditSink } from "../src/audit/sinks.js";
import { fileSigner } from "../src/audit/signing-key.js";
import { systemClock } from "../src/domain/clock.js";
import type { Logger } from "../src/services/ports.js";
import { openSqliteBackend, type SqliteBackend } from "../src/store/sqlite/sqlite-backend.js";
import { median, ms } from "./lib/stats.js";
import type { Benchmark, Findings, Metric } from "./lib/types.js";

/** Writers awaiting their write at once, as requests in progress do in the bot. */
const WRITERS = 50;
const RUN_MS = 8_000;
const WARM_UP_MS = 1_000;
const DEFAULT_CADENCE = { records: 100, intervalMs: 5 * 60_000 };
/** The bot's scheduler checks whether a checkpoint is due every second. */
const TICK_MS = 1_000;
const FLUSHES = 200;
const SIGNATURES = 2_000;
/** Checkpoints at the default cadence may cost at most this share of the writes. */
const MAX_COST = 0.05;

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

type Mode = "none" | "cadence" | "cadence-file" | "back-to-back";

/** A copy that takes only the checkpoints, as the audit channel does (a post each, not timed here). */
const checkpointsOnly: AuditSink = {
  name: "checkpoints-only",
  keepsRecords: false,
  writeRecords: async () => {},
  writeCheckpoint: async () => {},
};

interface Run {
  readonly writes: number;
  readonly seconds: number;
  readonly checkpoints: number;
  /** How long each back-to-back checkpoint run took (ms). */
  readonly checkpointMs: readonly number[];
}

async function measure(dir: string, mode: Mode): Promise<Run> {
  const backend = openSqliteBackend(join(dir, `${mode}.sqlite`), systemClock);
  try {
    const grantId = await seedGrant(backend);
    const checkpointer = new Checkpointer(
      backend.audit,
      backend.checkpoints,
      fileSigner(generateKeyPairSync("ed25519").privateKey),
      [mode === "cadence-file" ? new FileSink(join(dir, `${mode}.jsonl`)) : checkpointsOnly],
      DEFAULT_CADENCE,
      quiet,
      () => Date.now(),
    );
    let counting = false;
    let writes = 0;
    let stop = false;
    const writer = async () => {
      for (let n = 0; !stop; n += 1) {
        await backend.store.note(grantId, {
          action: "revocation_retry",
          actorId: "system",
          detail: { attempts: n, error: "ThrottlingException" },
        });
        if (counting) writes += 1;
      }
    };
    const checkpointMs: number[] = [];
    const checkpointing = async () => {
      if (mode === "cadence" || mode === "cadence-file") {
        while (!stop) {
          await new Promise((resolve) => setTimeout(resolve, TICK_MS));
          await checkpointer.run("tick");
        }
      } else if (mode === "back-to-back") {
        while (!stop) {
          const started = performance.now();
          await checkpointer.run("asked");
          if (counting) checkpointMs.push(performance.now() - started);
        }
      }
    };
    const running = [...Array.from({ length: WRITERS }, writer), checkpointing()];
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    const before = (await backend.checkpoints.all()).length;
    counting = true;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, RUN_MS));
    counting = false;
    const seconds = (performance.now() - started) / 1000;
    stop = true;
    await Promise.all(running);
    const checkpoints = (await backend.checkpoints.all()).length - before;
    return { writes, seconds, checkpoints, checkpointMs };
  } finally {
    await backend.close();
  }
}

async function seedGrant(backend: SqliteBackend): Promise<string> {
  const id = "jit-benchckp";
  await backend.store.insert(
    {
      id,
      requesterId: "U0ALICE",
      requesterTeamId: "T0BENCH",
      requesterEmail: "alice@example.com",
      accountId: "111122223333",
      permissionSetName: "ReadOnlyAccess",
      durationMs: 3_600_000,
      justification: "checkpoint benchmark",
      ruleName: "engineers",
      createdAt: Date.now(),
    },
    { action: "requested", actorId: "U0ALICE" },
  );
  return id;
}

/** One write and flush to disk in the benchmark's directory: the floor under every SQLite commit. */
function flushMs(dir: string): number {
  const fd = openSync(join(dir, "flush.probe"), "w");
  const times: number[] = [];
  try {
    for (let i = 0; i < FLUSHES; i += 1) {
      const started = performance.now();
      writeSync(fd, "x");
      fdatasyncSync(fd);
      times.push(performance.now() - started);
    }
  } finally {
    closeSync(fd);
  }
  return median(times);
}

async function signMicros(): Promise<number> {
  const signer = fileSigner(generateKeyPairSync("ed25519").privateKey);
  const statement = statementBytes({ seq: 1, hash: "0".repeat(64), at: Date.now(), keyId: signer.keyId });
  const started = performance.now();
  for (let i = 0; i < SIGNATURES; i += 1) await signer.sign(statement);
  return ((performance.now() - started) / SIGNATURES) * 1000;
}

const rate = (run: Run) => run.writes / run.seconds;
const perSecond = (value: number) => `${Math.round(value).toLocaleString("en")}/s`;

export const checkpointCost: Benchmark = {
  id: "checkpoints",
  title: "Checkpoint cost",
  about:
    `Audited writes (\`store.note\`, one audit record each, as the bot's services write them) on a SQLite file ` +
    `(synchronous=FULL, group commit, as the bot opens it) by ${WRITERS} writers at once for ${RUN_MS / 1000} s after a ` +
    `${WARM_UP_MS / 1000} s warm-up, in the benchmark's own process: without checkpoints; with the checkpointer at the ` +
    `default cadence (a checkpoint once ${DEFAULT_CADENCE.records} records are uncovered, checked every ${TICK_MS / 1000} s ` +
    `as the bot's scheduler does), its checkpoints going to a copy that takes only checkpoints (as the audit channel ` +
    `does); the same with an anchor file that also takes every record (JSON lines, flushed); and with checkpoints ` +
    `made back to back (the worst case). Each checkpoint checks that the chain since the last one continues it ` +
    `(seq and prev_hash of each record), signs the head with Ed25519 and stores the checkpoint. The disk bound is one flush ` +
    `(write + fdatasync, median of ${FLUSHES}) per commit, each commit carrying at most ${WRITERS} writes.`,
  async run(): Promise<Findings> {
    const dir = mkdtempSync(join(tmpdir(), "jit-bench-checkpoints-"));
    try {
      const flush = flushMs(dir);
      const diskBound = (1000 / flush) * WRITERS;
      const signUs = await signMicros();
      const none = await measure(dir, "none");
      const cadence = await measure(dir, "cadence");
      const withFile = await measure(dir, "cadence-file");
      const backToBack = await measure(dir, "back-to-back");
      const cadenceRatio = rate(cadence) / rate(none);
      const fileRatio = rate(withFile) / rate(none);
      const metrics: Metric[] = [
        {
          name: "Audited writes, no checkpoints",
          value: `${perSecond(rate(none))} (${none.writes.toLocaleString("en")} in ${none.seconds.toFixed(1)} s; disk bound ${perSecond(diskBound)}: one flush ${ms(flush)} ms × ${WRITERS} writes per commit)`,
        },
        {
          name: `Audited writes, checkpoint every ${DEFAULT_CADENCE.records} records (checked every ${TICK_MS / 1000} s)`,
          value: `${perSecond(rate(cadence))}, ${cadence.checkpoints} checkpoints; ratio ${cadenceRatio.toFixed(3)} of no checkpoints`,
          check: { target: `ratio ≥ ${(1 - MAX_COST).toFixed(2)}`, pass: cadenceRatio >= 1 - MAX_COST },
        },
        {
          name: "Audited writes, the same with every record copied to an anchor file",
          value: `${perSecond(rate(withFile))}, ${withFile.checkpoints} checkpoints; ratio ${fileRatio.toFixed(3)} of no checkpoints`,
        },
        {
          name: "Audited writes, checkpoints back to back",
          value: `${perSecond(rate(backToBack))}, ${backToBack.checkpoints} checkpoints (${perSecond(backToBack.checkpoints / backToBack.seconds)}); ratio ${(rate(backToBack) / rate(none)).toFixed(3)} of no checkpoints`,
        },
        {
          name: "One checkpoint under that load (check the chain since the last, sign, store)",
          value: `median ${ms(median(backToBack.checkpointMs))} ms; the Ed25519 signature alone ${signUs.toFixed(0)} µs`,
        },
      ];
      return {
        metrics,
        settings: [
          `${WRITERS} writers`,
          `${RUN_MS / 1000} s per run`,
          `cadence ${DEFAULT_CADENCE.records} records`,
          "SQLite synchronous=FULL",
        ],
        notes: [
          "A checkpoint is made beside the audited writes, never inside their transactions: what it costs them is the share of the CPU and of the disk's flushes it takes, which the ratios show.",
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
