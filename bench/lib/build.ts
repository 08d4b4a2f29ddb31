// `npm run build` (tsc -p tsconfig.build.json), so the compiled bot can be measured as production runs it.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSC = fileURLToPath(import.meta.resolve("typescript/bin/tsc"));

export type BuildOutcome = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly error: string };

export function buildDist(): Promise<BuildOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, "-p", "tsconfig.build.json"], { cwd: ROOT, timeout: 180_000 }, (error, stdout) => {
      if (error) resolve({ ok: false, error: (stdout.split("\n")[0] ?? "") || error.message });
      else resolve({ ok: true, ms: performance.now() - started });
    });
  });
}
