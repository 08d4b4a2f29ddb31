// The review as one self-contained HTML file: a Content-Security-Policy that allows no network at
// all, inline styles and SVG charts, and a table to sign off. Every value from the database is
// escaped.
import type { Hint, TargetReview } from "../domain/access-review.js";
import { formatDuration } from "../domain/duration.js";
import { escapeHtml as h } from "./html-escape.js";
import { columns, horizontalBars } from "./report-charts.js";
import { hoursText, isoDay, type ReportData } from "./report-data.js";

const TOP = 15;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1d1f;margin:32px auto;max-width:1100px;padding:0 24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:120px}.card b{display:block;font-size:22px}
.ok{background:#e8f5e9;border-color:#81c784}.bad{background:#ffebee;border-color:#e57373}
figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}
svg .bar{fill:#4a78c2}svg .bar.warn{fill:#d9534f}svg .label,svg .value{font-size:12px;fill:#333}
svg .axis{stroke:#999}svg .marker{stroke:#d9534f;stroke-dasharray:4 3}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f6}td.n{text-align:right;font-variant-numeric:tabular-nums}.none{color:#777}
.sign td.box{width:90px}.warn-text{color:#b52b27;font-weight:600}
@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}
`;

function card(label: string, value: string, cls = ""): string {
  return `<div class="card ${cls}"><b>${h(value)}</b>${h(label)}</div>`;
}

function chainSection({ chain }: ReportData): string {
  const checkpoints =
    chain.checkpoints === null
      ? "Checkpoint signatures were not checked (no public key available)."
      : `${chain.checkpoints.valid} of ${chain.checkpoints.found} signed checkpoints valid.`;
  const verdict = chain.ok
    ? `Intact: ${chain.records} records checked from the first, ${chain.inPeriod} of them written in this period. ${checkpoints}`
    : `BROKEN: ${chain.problem ?? "the chain does not verify"}. Figures below come from a database whose audit trail does not hold.`;
  return `<h2>Audit trail</h2><div class="card ${chain.ok ? "ok" : "bad"}">${h(verdict)}</div>`;
}

function charts({ review }: ReportData): string {
  const weekly = review.weekly.map((week) => ({ label: `week of ${isoDay(week.weekStart)}`, value: week.grants }));
  const accounts = review.hoursByAccount.slice(0, TOP).map((account) => ({
    label: account.name ? `${account.name} (${account.accountId})` : account.accountId,
    value: account.hours,
    text: `${hoursText(account.hours)} h`,
  }));
  const requesters = review.topRequesters.map((person) => ({
    label: person.email ?? person.requesterId,
    value: person.hours,
    text: `${hoursText(person.hours)} h, ${person.grants} grant${person.grants === 1 ? "" : "s"}`,
  }));
  const concentration = review.concentration.slice(0, TOP).map((row) => ({
    label: row.name ? `${row.name} (${row.accountId})` : row.accountId,
    value: row.share * 100,
    text: `${(row.share * 100).toFixed(0)} % by ${row.approver} of ${row.approved}`,
    warn: row.flagged,
  }));
  return [
    "<h2>At a glance</h2>",
    columns("Grants per week", weekly),
    horizontalBars(`Hours of access per account (top ${TOP})`, accounts),
    horizontalBars("Top requesters by hours of access", requesters),
    horizontalBars("Approver concentration: the top approver's share of each account's approvals (line: 50 %)", concentration, {
      max: 100,
      marker: 50,
    }),
  ].join("\n");
}

function people(target: TargetReview): string {
  return target.people
    .map((p) => `${h(p.email ?? p.requesterId)} (${p.grants}×, ${hoursText(p.hours)} h, longest ${hoursText(p.longestHours)} h)`)
    .join("<br>");
}

function approvers(target: TargetReview): string {
  const named = target.approvers.map((a) => `${h(a.id)} ×${a.count}`);
  if (target.automatic > 0) named.push(`automatic ×${target.automatic}`);
  if (target.breakGlass > 0) named.push(`<span class="warn-text">break-glass ×${target.breakGlass}</span>`);
  return named.join("<br>") || "—";
}

function signOff({ review }: ReportData): string {
  if (review.targets.length === 0) return `<h2>Sign-off</h2><p class="none">Nobody held access in this period.</p>`;
  const rows = review.targets.map((t) => {
    const account = t.accountName ? `${h(t.accountName)}<br><small>${h(t.accountId)}</small>` : h(t.accountId);
    const partial = t.partialDigests > 0 ? ` (${t.partialDigests} partial)` : "";
    const unused = t.unused === null ? "no digest" : `${t.unused}${partial}`;
    const flagged = t.flagged === 0 ? "0" : `${t.flagged} (${t.flaggedUnreviewed} unreviewed)`;
    return `<tr><td>${account}</td><td>${h(t.permissionSet)}</td><td>${people(t)}</td><td class="n">${t.grants}</td><td class="n">${hoursText(t.hours)}</td><td class="n">${hoursText(t.longestHours)}</td><td>${approvers(t)}</td><td class="n">${t.extensions}</td><td class="n">${h(unused)}</td><td class="n">${h(flagged)}</td><td class="box">☐ keep<br>☐ remove</td><td class="box"></td></tr>`;
  });
  return `<h2>Sign-off</h2>
<table class="sign"><thead><tr><th>Account</th><th>Permission set</th><th>Who had access</th><th>Grants</th><th>Hours</th><th>Longest</th><th>Approved by</th><th>Extensions</th><th>Unused</th><th>Flagged</th><th>Decision</th><th>Reviewer</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table>
<p>Reviewed by: ______________________ &nbsp; Date: ____________ &nbsp; Signature: ______________________</p>`;
}

function hintText(hint: Hint): string {
  switch (hint.kind) {
    case "never-used":
      return `${hint.grantIds.length} grant(s) of ${hint.permissionSet} on ${hint.accountId} made no call at all: ${hint.grantIds.slice(0, 10).join(", ")}.`;
    case "read-only-use":
      return `${hint.grantIds.length} grant(s) of ${hint.permissionSet} on ${hint.accountId} made only read calls: a read-only permission set would have done.`;
    case "shorter-rule":
      return `Rule "${hint.rule}": half of its ${hint.grants} grants ended within ${formatDuration(Math.round(hint.medianMs))}, of the ${formatDuration(hint.maxMs)} it allows; a shorter maximum would fit.`;
  }
}

function hintsSection({ review }: ReportData): string {
  if (review.hints.length === 0) return `<h2>Right-sizing</h2><p class="none">No hints for this period.</p>`;
  return `<h2>Right-sizing</h2><ul>${review.hints.map((hint) => `<li>${h(hintText(hint))}</li>`).join("")}</ul>`;
}

export function reportHtml(data: ReportData): string {
  const { review } = data;
  const { totals } = review;
  const period = `${isoDay(review.period.from)} to ${isoDay(review.period.to - 1)}`;
  const scope = data.account ? ` · account ${data.account}` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Access review ${h(period)}</title><style>${STYLE}</style></head>
<body>
<h1>AWS access review: ${h(period)}${h(scope)}</h1>
<p class="meta">jit-slack · generated ${h(new Date(data.generatedAt).toISOString())} from ${h(data.source)}</p>
<div class="cards">${[
    card("requests", String(totals.requests)),
    card("grants holding access", String(totals.granted)),
    card("denied", String(totals.denied)),
    card("people", String(totals.people)),
    card("hours of access", hoursText(totals.hours)),
    card("break-glass", String(totals.breakGlass), totals.breakGlass > 0 ? "bad" : ""),
    card("extensions", String(totals.extensions)),
  ].join("")}</div>
${chainSection(data)}
${charts(data)}
${hintsSection(data)}
${signOff(data)}
</body></html>
`;
}
