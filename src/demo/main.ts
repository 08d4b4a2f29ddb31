// `npm run demo`: the playground on 127.0.0.1. JIT_DEMO_PORT picks the page's port (default 3210, 0: any free one).
import { allowSecondDurationsForDemo } from "../domain/duration.js";
import { startDemo } from "./demo.js";

const DEFAULT_PORT = 3210;

async function main(): Promise<void> {
  allowSecondDurationsForDemo();
  const port = process.env.JIT_DEMO_PORT === undefined ? DEFAULT_PORT : Number(process.env.JIT_DEMO_PORT);
  const demo = await startDemo({ port });
  process.stdout.write(`jit-slack demo: open ${demo.url} (simulated Slack and AWS; Ctrl-C stops it)\n`);
  const stop = () => {
    demo.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`jit-slack demo cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
