// Organizations refresh: a 5,000-account organization in nested OUs read through the real reader
// (aws/organization-reader.ts) and its rate limiter, against a fake Organizations that throttles
// above the rate configured; and what sharing the snapshot through the database costs. AWS's
// Organizations quotas page (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html)
// gives entity limits, not a request rate for the List calls; throttling is TooManyRequestsException
// (https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/Organizations/TTooManyRequestsException.html).
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { readOrganization } from "../src/aws/organization-reader.js";
import { parseOrgSnapshot } from "../src/config/org-snapshot-file.js";
import type { OrgSnapshot } from "../src/domain/organization.js";
import { READ_CALLS_PER_SECOND, READ_RETRIES } from "../src/organization-policy.js";
import { sdkClientConfig, startFakeAws, type FakeAws } from "../src/simulators/fake-aws.js";
import { median, ms, seconds } from "./lib/stats.js";
import type { Benchmark, Findings, Metric } from "./lib/types.js";

const ACCOUNTS = 5_000;
/** Reads within this of the bound pass: the limiter's burst and the retries' backoff are the slack. */
const BOUND_SLACK = 1.1;
const PARSE_RUNS = 5;

interface ReadCase {
  readonly label: string;
  /** Calls per second the reader is given and the fake accepts (it throttles beyond). */
  readonly rate: number;
  readonly withTags: boolean;
}

const CASES: readonly ReadCase[] = [
  { label: `without tags, at the bot's ${READ_CALLS_PER_SECOND} calls/s`, rate: READ_CALLS_PER_SECOND, withTags: false },
  { label: "without tags, at 20 calls/s", rate: 20, withTags: false },
  { label: "with tags (tag: rules), at 100 calls/s", rate: 100, withTags: true },
];

export const orgRefreshBenchmark: Benchmark = {
  id: "org-refresh",
  title: "Organizations refresh",
  about:
    `A fake AWS Organizations holding ${ACCOUNTS.toLocaleString("en")} accounts in nested OUs (generateOrganization: 124 OUs ` +
    "four levels deep, every 100th account suspended and every 250th closed) is read by the real reader through its " +
    "rate limiter and retries, with the reader's rate and the fake's throttling limit (calls accepted in any sliding " +
    "second) set to the same figure. Each row gives the time of one read, the calls it made (accepted, and throttled " +
    "then retried), its physical bound (accepted calls / the rate) and the ratio. No request rate for the Organizations " +
    'List calls was found in AWS\'s documentation ("Quotas for AWS Organizations" lists entity limits; a throttled call ' +
    "is answered TooManyRequestsException), so the rate is what you configure. Then the snapshot as the database shares " +
    "it: its JSON size, and the time to parse and validate it (what a replica or a restart does instead of reading AWS).",
  async run(): Promise<Findings> {
    const fake = await startFakeAws();
    const client = new OrganizationsClient(sdkClientConfig(fake));
    try {
      fake.generateOrganization({ accounts: ACCOUNTS });
      const metrics: Metric[] = [];
      let snapshot: OrgSnapshot | undefined;
      for (const readCase of CASES) {
        const read = await timedRead(fake, client, readCase);
        metrics.push(read.metric);
        snapshot ??= read.snapshot;
      }
      if (snapshot) metrics.push(...sharingMetrics(snapshot));
      return {
        metrics,
        settings: [
          `${ACCOUNTS} accounts (plus the management account), 124 OUs`,
          `reader retries ${READ_RETRIES} per call; rate limiter burst = half the rate`,
        ],
        notes: [
          "Without tags a read is one ListRoots, one ListOrganizationalUnitsForParent and one ListAccountsForParent per OU (pages of 20): about accounts / 20 + 2 × OUs calls.",
          `With tags each account costs one ListTagsForResource more: at the bot's ${READ_CALLS_PER_SECOND} calls/s that is over ${Math.floor(ACCOUNTS / READ_CALLS_PER_SECOND / 60)} minutes per read, which is why replicas share one snapshot (one read per refreshMinutes for all of them).`,
        ],
      };
    } finally {
      client.destroy();
      await fake.close();
    }
  },
};

async function timedRead(
  fake: FakeAws,
  client: OrganizationsClient,
  readCase: ReadCase,
): Promise<{ metric: Metric; snapshot: OrgSnapshot }> {
  fake.calls.length = 0;
  fake.setRateLimit(readCase.rate);
  const throttledBefore = fake.throttledCount;
  const started = performance.now();
  const snapshot = await readOrganization(client, { callsPerSecond: readCase.rate, retries: READ_RETRIES, withTags: readCase.withTags });
  const elapsed = performance.now() - started;
  const throttled = fake.throttledCount - throttledBefore;
  const accepted = fake.calls.length - throttled;
  const bound = (accepted / readCase.rate) * 1000;
  fake.setRateLimit(null);
  return {
    snapshot,
    metric: {
      name: `Read ${snapshot.accounts.length} accounts, ${snapshot.units.length} units, ${readCase.label}`,
      value: `${seconds(elapsed)} (bound ${seconds(bound)}: ${accepted} calls at ${readCase.rate}/s; ratio ${(elapsed / bound).toFixed(2)}; ${throttled} throttled and retried)`,
      check: { target: `≤ ${seconds(bound * BOUND_SLACK)} (bound + 10%)`, pass: elapsed <= bound * BOUND_SLACK },
    },
  };
}

function sharingMetrics(snapshot: OrgSnapshot): Metric[] {
  const text = JSON.stringify(snapshot);
  const times: number[] = [];
  for (let run = 0; run < PARSE_RUNS; run += 1) {
    const started = performance.now();
    parseOrgSnapshot(text, "the benchmark's snapshot");
    times.push(performance.now() - started);
  }
  return [
    { name: "Stored snapshot (JSON, without tags)", value: `${(text.length / 1024).toFixed(0)} KiB` },
    { name: "Parse and validate the stored snapshot (zod)", value: `${ms(median(times))} ms (median of ${PARSE_RUNS})` },
  ];
}
