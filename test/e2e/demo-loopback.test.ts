// Every port the demo opens, the bot's own Slack port included, listens on 127.0.0.1 only: from
// another address of this machine nothing answers.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { after, before, describe, it } from "node:test";
import { startDemo, type RunningDemo } from "../../src/demo/demo.js";
import { allowSecondDurationsForDemo } from "../../src/domain/duration.js";

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const otherAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === "IPv4" && !entry.internal)?.address;

describe("npm run demo's ports", {
  skip:
    (process.env.JIT_TEST_DATABASE_URL && "the demo uses SQLite; the SQLite leg runs it") ||
    (!otherAddress && "this machine has no address but loopback"),
}, () => {
  let demo: RunningDemo;
  before(async () => {
    allowSecondDurationsForDemo(); // as src/demo/main.ts does: the sample policy speaks in seconds
    demo = await startDemo({ port: 0 });
  });
  after(async () => {
    await demo?.stop();
  });

  it("answers on 127.0.0.1 and not on the machine's other address", async () => {
    const pagePort = Number(new URL(demo.url).port);
    const botPort = demo.botPort;
    assert.ok(botPort, "the bot listens on a port of its own");
    for (const port of [pagePort, botPort]) {
      assert.equal(await accepts("127.0.0.1", port), true, `127.0.0.1:${port}`);
      assert.equal(await accepts(otherAddress ?? "", port), false, `${otherAddress}:${port} must not answer`);
    }
  });
});
