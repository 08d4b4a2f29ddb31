// `npm run demo` in a browser, as a newcomer uses it: Alice asks, Bob approves, the assignment
// shows in the simulated AWS panel and goes at expiry, the audit channel keeps the records; Alice's
// own approval is refused to her alone; the form. With JIT_DEMO_SCREENSHOTS=<folder> (npm run
// demo:screenshots) it also writes the README's pictures there.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import { DEMO_PEOPLE } from "../../src/demo/organisation.js";
import { startDemoProcess, type DemoProcess } from "../support/demo-process.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
const SCREENSHOTS = process.env.JIT_DEMO_SCREENSHOTS;
const APPROVE = "jit_approve";

function slackId(key: string): string {
  const person = DEMO_PEOPLE.find((candidate) => candidate.key === key);
  assert.ok(person, key);
  return person.slackId;
}

async function picture(target: Page | Locator, name: string): Promise<void> {
  if (SCREENSHOTS) await target.screenshot({ path: join(SCREENSHOTS, name) });
}

// The demo keeps its data in SQLite whatever the leg, so the PostgreSQL leg would only repeat it.
const SKIP = process.env.JIT_TEST_DATABASE_URL
  ? "the demo uses SQLite; the SQLite leg runs it"
  : !CHROMIUM && !process.env.CI && "no chromium";

describe("the demo in a browser", { skip: SKIP, timeout: 180_000 }, () => {
  let demo: DemoProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    assert.ok(CHROMIUM, "Debian's chromium is needed (.ci/run installs it)");
    demo = await startDemoProcess();
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(demo.url);
    await page.locator("#channels li").first().waitFor();
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  const actAs = (key: string) => page.selectOption("#person", slackId(key));
  const open = (channel: string) => page.locator(`li[data-channel="${channel}"]`).click();
  async function type(text: string): Promise<void> {
    await page.fill("#command", text);
    await page.press("#command", "Enter");
  }
  /** The approvers' message about a request with this justification. */
  const requestMessage = (justification: string) =>
    page.locator(".message", { hasText: justification }).filter({ has: page.locator(`button[data-action-id="${APPROVE}"]`) });

  it("says it is a demo on the page and on every message", async () => {
    await actAs("alice");
    await open("jit-approvals");
    await type("/jit request sandbox ReadOnlyAccess 20s says demo");
    await requestMessage("says demo").waitFor();
    assert.match((await page.locator(".banner").textContent()) ?? "", /DEMO/);
    for (const message of await page.locator(".message").all()) assert.match((await message.textContent()) ?? "", /DEMO/);
  });

  it("shows a request by Alice approved by Bob in AWS until it expires, and in the audit channel", async () => {
    await actAs("alice");
    await open("jit-approvals");
    await type("/jit request sandbox ReadOnlyAccess 15s checking the logs");
    const message = requestMessage("checking the logs");
    await message.waitFor();
    await page.locator(".message.private", { hasText: "was sent to the approvers" }).last().waitFor();
    await picture(message, "demo-approvers-message.png");

    await actAs("bob");
    await message.locator(`button[data-action-id="${APPROVE}"]`).click();
    const assignment = page.locator('.assignment[data-person="alice"]', { hasText: "ReadOnlyAccess" });
    await assignment.locator(".countdown").waitFor({ timeout: 20_000 });
    assert.match((await assignment.textContent()) ?? "", /sandbox \(111100000001\)/);
    assert.match((await assignment.locator(".countdown").textContent()) ?? "", /^\d+s$/);

    await actAs("alice");
    await open("dm");
    await page.locator(".message", { hasText: "ReadOnlyAccess" }).first().waitFor();
    await picture(page, "demo-dm.png");

    await assignment.waitFor({ state: "detached", timeout: 60_000 });
    // The session fence takes over: Alice's role sessions from before the end are denied.
    const fenced = page.locator('.fenced[data-person="alice"]', { hasText: "ReadOnlyAccess" });
    await fenced.waitFor({ timeout: 20_000 });
    assert.match((await fenced.textContent()) ?? "", /sandbox \(111100000001\)[\s\S]*sessions issued before .* are denied[\s\S]*lifted in/);
    await open("jit-audit");
    const audit = page.locator("#messages");
    await page.locator(".message", { hasText: "revoked" }).first().waitFor({ timeout: 20_000 });
    const records = (await audit.textContent()) ?? "";
    for (const action of ["requested", "approved", "provisioned", "revoked"]) assert.match(records, new RegExp(action));
    await picture(page, "demo-audit-channel.png");
  });

  it("refuses Alice's approval of her own request, to her alone", async () => {
    await actAs("alice");
    await open("jit-approvals");
    await type("/jit request staging ReadOnlyAccess 20s approving myself");
    const message = requestMessage("approving myself");
    await message.locator(`button[data-action-id="${APPROVE}"]`).click();
    const refusal = page.locator(".message.private", { hasText: "You cannot approve or deny your own request." });
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? "", /Only visible to you/);
    await actAs("bob");
    await page.locator(".message.private").first().waitFor({ state: "detached" });
    assert.equal(await page.locator(".message", { hasText: "You cannot approve" }).count(), 0);
    assert.equal(await page.locator('.assignment[data-person="alice"]', { hasText: "staging" }).count(), 0);
  });

  it("offers the form, narrowing the permission sets to the chosen account, and sends the request", async () => {
    await actAs("alice");
    await open("jit-approvals");
    await type("/jit");
    const form = page.locator(".modal-box");
    await form.waitFor();
    await form.locator('[data-block-id="account"] select').selectOption("111100000001");
    // The bot updates the form (views.update): production's AdministratorAccess is not offered on sandbox.
    await form.locator('[data-block-id="permission_set"] option[value="AdministratorAccess"]').waitFor({ state: "detached" });
    const offered = await form.locator('[data-block-id="permission_set"] select option').allInnerTexts();
    assert.deepEqual(offered.slice(1), ["ReadOnlyAccess", "PowerUserAccess"]);
    await form.locator('[data-block-id="permission_set"] select').selectOption("PowerUserAccess");
    // Once both are chosen the bot shows the rule that applies (views.update again).
    await form.locator(".bk-context", { hasText: 'Rule "engineers"' }).waitFor();
    await form.locator('[data-block-id="duration"] select').selectOption("15m");
    await form.locator('[data-block-id="justification"] textarea, [data-block-id="justification"] input').fill("deploying the fix");
    await picture(form, "demo-request-form.png");
    await form.locator('button[type="submit"]').click();
    await form.waitFor({ state: "detached" });
    await requestMessage("deploying the fix").waitFor();
  });
});
