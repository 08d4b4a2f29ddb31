// jit-admin report as a reviewer runs it, against a database the bot filled through real Slack
// flows: figures that match the store, CSV for a spreadsheet, and an HTML file that renders in
// headless Chromium with no network at all. A tampered trail is reported as broken.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { AccessReview } from "../../src/domain/access-review.js";
import type { ChainCheck } from "../../src/report/report-data.js";
import { click, deny, request, slash, statusBecomes, waitForDm } from "../support/flows.js";
import { startTestBot } from "../support/in-process-bot.js";
import { jitAdmin } from "../support/jit-admin.js";
import { tamperedCopy, type TamperedCopy } from "../support/tamper.js";
import { people, PROD, SANDBOX, startWorld, type World } from "../support/world.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
/** Set to a path to keep the screenshot (scripts/report-screenshot.sh does, for the README). */
const SCREENSHOT = process.env.JIT_REPORT_SCREENSHOT;

interface Report {
  readonly review: AccessReview;
  readonly chain: ChainCheck;
}

describe("jit-admin report", () => {
  let world: World;
  const dir = mkdtempSync(join(tmpdir(), "jit-report-"));
  const copies: TamperedCopy[] = [];
  const today = new Date().toISOString().slice(0, 10);
  const period = ["--from", today, "--to", today];
  const run = (...args: string[]) => jitAdmin(args, world.env(), world.dir);

  before(async () => {
    world = await startWorld();
    const bot = await startTestBot(world);
    try {
      const admin = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 2h payments down");
      await click(bot, people.bob.slackId, "jit_approve", admin);
      await waitForDm(world, people.alice.slackId, /Access granted/);
      const read = await request(bot, world, people.carol.slackId, "sandbox ReadOnlyAccess 1h reading logs");
      await click(bot, people.dave.slackId, "jit_approve", read);
      await statusBecomes(bot, read.grantId, "active");
      await slash(bot, people.carol.slackId, `revoke ${read.grantId}`);
      await statusBecomes(bot, read.grantId, "revoked");
      const refused = await request(bot, world, people.alice.slackId, "sandbox AdministratorAccess 1h just because");
      await deny(bot, world, people.bob.slackId, refused, "use read-only");
    } finally {
      await bot.stop();
    }
  });

  after(async () => {
    for (const copy of copies) await copy.drop();
    await world?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports who had what, approved by whom, and an intact trail, as JSON", async () => {
    const ran = await run("report", ...period, "--format", "json");
    assert.equal(ran.code, 0, ran.stderr);
    const { review, chain } = JSON.parse(ran.stdout) as Report;
    assert.deepEqual([review.totals.requests, review.totals.granted, review.totals.denied, review.totals.people], [3, 2, 1, 2]);
    const prod = review.targets.find((t) => t.accountId === PROD);
    assert.equal(prod?.accountName, "prod");
    assert.equal(prod?.permissionSet, "AdministratorAccess");
    assert.deepEqual(
      prod?.people.map((p) => p.email),
      [people.alice.email],
    );
    assert.deepEqual(prod?.approvers, [{ id: people.bob.slackId, count: 1 }]);
    const sandbox = review.targets.find((t) => t.accountId === SANDBOX);
    assert.deepEqual(sandbox?.approvers, [{ id: people.dave.slackId, count: 1 }]);
    assert.ok((sandbox?.longestHours ?? 1) < 0.1, "ended early: counted as held, not as asked");
    assert.equal(chain.ok, true);
    assert.ok(chain.records >= 10 && chain.inPeriod === chain.records, `${chain.inPeriod} of ${chain.records}`);

    const only = JSON.parse((await run("report", ...period, "--format", "json", "--account", "sandbox")).stdout) as Report;
    assert.deepEqual(
      only.review.targets.map((t) => t.accountId),
      [SANDBOX],
    );
  });

  it("writes CSV a spreadsheet reads, one row per account, permission set and person", async () => {
    const ran = await run("report", ...period, "--format", "csv");
    assert.equal(ran.code, 0, ran.stderr);
    const lines = ran.stdout.trimEnd().split("\r\n");
    assert.match(lines[0] ?? "", /^account_id,account_name,permission_set,requester_id,requester_email,grants,hours/);
    assert.equal(lines.length, 3);
    assert.ok(lines.some((line) => line.startsWith(`${PROD},prod,AdministratorAccess,${people.alice.slackId},${people.alice.email},1,`)));
  });

  it("refuses a period that is not one, with usage", async () => {
    const ran = await run("report", "--from", "2026-12-31", "--to", "2026-10-01");
    assert.equal(ran.code, 2);
    assert.match(ran.stderr, /--to must be after --from/);
    assert.match((await run("report", "--from", "2026-13-01", "--to", "2026-12-31")).stderr, /--from "2026-13-01" is not a date/);
  });

  it("says the trail is broken when someone rewrote it", async () => {
    const copy = await tamperedCopy(world, "report", { sql: "UPDATE audit_events SET actor_id = 'U0MALLORY' WHERE action = 'approved'" });
    copies.push(copy);
    const ran = await jitAdmin(["report", ...period, "--format", "json", ...copy.args], world.env(copy.env), world.dir);
    assert.equal(ran.code, 0, ran.stderr);
    const { chain } = JSON.parse(ran.stdout) as Report;
    assert.equal(chain.ok, false);
    assert.match(chain.problem ?? "", /record #\d+/);
    assert.match(ran.stderr, /the audit trail does not verify/);
  });

  it("renders one self-contained HTML file in headless Chromium, with no network", {
    skip: !CHROMIUM && !process.env.CI && "no chromium",
  }, async () => {
    assert.ok(CHROMIUM, "Debian's chromium is needed (.ci/run installs it)");
    const file = join(dir, "review.html");
    const ran = await run("report", ...period, "--output", file);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600, "a review names people: readable by its owner only");
    const html = readFileSync(file, "utf8");
    assert.doesNotMatch(html, /<script|https?:\/\//i, "nothing to run, nothing to fetch");

    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith("file:")) requests.push(r.url());
      });
      await page.goto(`file://${file}`);
      assert.deepEqual(requests, []);
      assert.match(await page.title(), /^Access review /);
      assert.equal(await page.locator("figure svg").count(), 4, "four charts");
      assert.equal(await page.locator("table.sign tbody tr").count(), 2, "one sign-off row per account and permission set");
      assert.match((await page.locator(".card.ok").textContent()) ?? "", /Intact/);
      const chart = await page.locator("figure svg").first().boundingBox();
      assert.ok(chart && chart.width > 300 && chart.height > 100, "the chart is drawn at its size");
      const shot = await page.screenshot({ fullPage: true, ...(SCREENSHOT ? { path: SCREENSHOT } : {}) });
      assert.ok(shot.length > 20_000, `a screenshot of ${shot.length} bytes`);
    } finally {
      await browser.close();
    }
  });
});
