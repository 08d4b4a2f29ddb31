// A fake AWS for a test file and a real Organizations SDK client pointed at it, as
// createOrganizationsClient builds it (one attempt per call; the caller retries). Reset before each test.
import { after, before, beforeEach } from "node:test";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { sdkClientConfig, startFakeAws, type FakeAws } from "../../src/simulators/fake-aws.js";

export interface FakeOrganizations {
  readonly fake: FakeAws;
  readonly organizations: OrganizationsClient;
}

export function useFakeOrganizations(): FakeOrganizations {
  let fake: FakeAws | undefined;
  let organizations: OrganizationsClient | undefined;
  before(async () => {
    fake = await startFakeAws();
    organizations = new OrganizationsClient(sdkClientConfig(fake));
  });
  after(async () => {
    organizations?.destroy();
    await fake?.close();
  });
  beforeEach(() => fake?.reset());
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the fake AWS is not started yet (use it inside a test)");
    return value;
  };
  return {
    get fake() {
      return started(fake);
    },
    get organizations() {
      return started(organizations);
    },
  };
}
