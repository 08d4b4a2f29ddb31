// How `jit-admin audit verify` words its findings for people: the verdict first, then what vouched
// for the trail, what does not match, and what nothing covers yet.
import type { TrailReport } from "../audit/verify-trail.js";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const iso = (ms: number) => new Date(ms).toISOString();

export function describeReport(report: TrailReport, keys: readonly string[]): string {
  const lines: string[] = [verdict(report)];
  const { checkpoints } = report;
  if (!checkpoints.checked) {
    lines.push(
      checkpoints.found > 0
        ? `Checkpoints: ${plural(checkpoints.found, "checkpoint")} found but NOT checked: give the public key with --public-key <file>.`
        : "Checkpoints: none found, and no public key given to check them with (--public-key <file>).",
    );
  } else if (checkpoints.newest) {
    lines.push(
      `Checkpoints: ${checkpoints.valid} genuine of ${checkpoints.found} found (key ${keys.join(", ")}); ` +
        `the newest covers #${checkpoints.newest.seq}, signed ${iso(checkpoints.newest.at)}.`,
    );
  } else {
    lines.push(`Checkpoints: none genuine among the ${checkpoints.found} found (key ${keys.join(", ")}).`);
  }
  for (const copy of report.copies) {
    lines.push(`Copy in ${copy.name}: ${plural(copy.records, "record")}, ${plural(copy.checkpoints, "checkpoint")}.`);
    for (const note of copy.notes) lines.push(`  note: ${note}`);
    for (const alarm of copy.alarms) lines.push(`  TAMPERED: ${alarm}`);
  }
  if (report.uncovered) {
    const { firstSeq, lastSeq } = report.uncovered;
    const count = lastSeq - firstSeq + 1;
    lines.push(
      `Not yet covered by any checkpoint: ${firstSeq === lastSeq ? `record #${firstSeq}` : `records #${firstSeq}–#${lastSeq}`} ` +
        `(${plural(count, "record")}); whoever can write the database could still change ${count === 1 ? "it" : "them"} unseen.`,
    );
  }
  if (report.problems.length > 0) {
    lines.push(`${plural(report.problems.length, "problem")}:`);
    for (const problem of report.problems) lines.push(`  - ${problem.problem}`);
  }
  return `${lines.join("\n")}\n`;
}

function verdict(report: TrailReport): string {
  const { chain } = report;
  const first = report.problems[0];
  if (!chain.ok && (!first || chain.firstBad.seq <= first.lastSeq)) {
    return `The audit trail is broken at record #${chain.firstBad.seq}: ${chain.firstBad.problem}.\n${chain.intactRecords} records before it are intact.`;
  }
  if (first) {
    const where = first.firstSeq === first.lastSeq ? `record #${first.firstSeq}` : `records #${first.firstSeq}–#${first.lastSeq}`;
    return `The audit trail was tampered with at ${where}: ${first.problem}.`;
  }
  const alarmed = report.copies.find((copy) => copy.alarms.length > 0);
  if (alarmed) return `The audit trail agrees with what vouches for it, but the copy in ${alarmed.name} was changed: ${alarmed.alarms[0]}.`;
  if (!report.head) return "The audit trail is empty.";
  return `The audit trail is intact: ${report.records} records, #1 to #${report.head.seq}; last hash ${report.head.hash}`;
}
