// Which day folders and which log files of an organization trail can hold a window's events.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dayPrefixes, DELIVERY_MARGIN_MS, deliveredAt, mayHoldWindow, regionPrefix } from "../../src/aws/trail-layout.js";

const TRAIL = { bucket: "acme-org-trail", prefix: "org", organizationId: "o-a1b2c3d4e5" };
const ACCOUNT = "111111111111";
const at = (iso: string) => Date.parse(iso);
const file = (stamp: string, region = "us-east-1") =>
  `org/AWSLogs/o-a1b2c3d4e5/${ACCOUNT}/CloudTrail/${region}/2026/03/14/${ACCOUNT}_CloudTrail_${region}_${stamp}_Mu0KsOhtH1ar15ZZ.json.gz`;

describe("organization trail layout", () => {
  it("puts an account's region under AWSLogs/<org>/<account>/CloudTrail/<region>/, with or without the trail's prefix", () => {
    assert.equal(regionPrefix(TRAIL, ACCOUNT, "eu-west-1"), `org/AWSLogs/o-a1b2c3d4e5/${ACCOUNT}/CloudTrail/eu-west-1/`);
    assert.equal(regionPrefix({ ...TRAIL, prefix: "" }, ACCOUNT, "eu-west-1"), `AWSLogs/o-a1b2c3d4e5/${ACCOUNT}/CloudTrail/eu-west-1/`);
  });

  it("reads the day of the window, and the next when the delivery margin crosses midnight (UTC)", () => {
    const base = `org/AWSLogs/o-a1b2c3d4e5/${ACCOUNT}/CloudTrail/us-east-1/`;
    assert.deepEqual(dayPrefixes(TRAIL, ACCOUNT, "us-east-1", at("2026-03-14T09:00:00Z"), at("2026-03-14T11:00:00Z")), [
      `${base}2026/03/14/`,
    ]);
    assert.deepEqual(dayPrefixes(TRAIL, ACCOUNT, "us-east-1", at("2026-03-14T22:00:00Z"), at("2026-03-14T23:30:00Z")), [
      `${base}2026/03/14/`,
      `${base}2026/03/15/`,
    ]);
    assert.deepEqual(
      dayPrefixes(TRAIL, ACCOUNT, "us-east-1", at("2026-02-28T20:00:00Z"), at("2026-03-01T21:00:00Z")).map((p) => p.slice(base.length)),
      ["2026/02/28/", "2026/03/01/"],
    );
  });

  it("reads the delivery time in a log file's name, to the minute", () => {
    assert.equal(deliveredAt(file("20260314T0210Z")), at("2026-03-14T02:10:00Z"));
    assert.equal(deliveredAt("org/AWSLogs/o-a1b2c3d4e5/notes.txt"), undefined);
  });

  it("skips files delivered before the window starts or past the margin after it ends, and keeps the rest", () => {
    const from = at("2026-03-14T10:00:30Z");
    const until = at("2026-03-14T11:00:00Z");
    assert.equal(mayHoldWindow(file("20260314T0959Z"), from, until), false, "delivered before the window: holds nothing of it");
    assert.equal(mayHoldWindow(file("20260314T1000Z"), from, until), true, "delivered in the window's first minute, maybe after it began");
    assert.equal(mayHoldWindow(file("20260314T1105Z"), from, until), true, "delivered after the window: holds its last events");
    const lastMinute = new Date(until + DELIVERY_MARGIN_MS).toISOString();
    const stamp = `${lastMinute.slice(0, 10).replace(/-/g, "")}T${lastMinute.slice(11, 13)}${lastMinute.slice(14, 16)}Z`;
    assert.equal(mayHoldWindow(file(stamp), from, until), true, "delivered at the end of the margin");
    assert.equal(mayHoldWindow(file("20260314T1201Z"), from, until), false, "delivered past the margin");
    assert.equal(mayHoldWindow("org/AWSLogs/o-a1b2c3d4e5/odd-name.json.gz", from, until), true, "a name without a time is read");
  });
});
