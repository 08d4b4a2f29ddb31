// `jit-admin config check`: the environment and the policy file, validated by the bot's own loaders.
import { describeDatabase, loadConfig, type Config } from "../config/env.js";
import { loadPolicySource } from "../config/policy-file.js";
import { ConfigError } from "../config/problems.js";
import type { Policy } from "../domain/policy.js";
import { EXIT_OK, EXIT_PROBLEM, printJson, type CliIo } from "./io.js";
import { expectPositionals, parseCommandLine } from "./options.js";

interface Checked<T> {
  readonly value?: T;
  readonly problems: readonly string[];
}

function check<T>(load: () => T): Checked<T> {
  try {
    return { value: load(), problems: [] };
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems };
    throw error;
  }
}

export async function configCheck(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine({ args, options: { json: { type: "boolean" } }, allowPositionals: true });
  expectPositionals(positionals, []);

  const env = check(() => loadConfig(io.env));
  // With a broken environment the policy is still checked, at the path the bot would use by default.
  const policyFile = env.value?.policyFile ?? (io.env.JIT_POLICY_FILE?.trim() || "policy.yaml");
  // With organization.accounts: aws the file is checked without reading AWS (jit-admin org refresh reads it).
  const policy = check(() => loadPolicySource(policyFile).check(null).policy);
  const ok = env.problems.length === 0 && policy.problems.length === 0;

  if (values.json) {
    printJson(io, {
      ok,
      environment: { ok: env.problems.length === 0, problems: env.problems },
      policy: { ok: policy.problems.length === 0, file: policyFile, problems: policy.problems },
    });
  } else {
    io.out(section("Environment", env.problems, env.value && describeConfig(env.value)));
    io.out(section(`Policy ${policyFile}`, policy.problems, policy.value && describePolicy(policy.value)));
  }
  return ok ? EXIT_OK : EXIT_PROBLEM;
}

function section(title: string, problems: readonly string[], summary: string | undefined): string {
  if (problems.length === 0) return `${title}: OK${summary ? ` (${summary})` : ""}\n`;
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return `${title}: ${count}\n${problems.map((problem) => `  - ${problem}\n`).join("")}`;
}

// Names where things are; never a secret.
function describeConfig(config: Config): string {
  const mode = config.slack.appToken ? "Socket Mode" : `HTTP on port ${config.slack.port}`;
  return `${mode}; database ${describeDatabase(config.database)}; audit channel ${config.auditChannel}`;
}

function describePolicy(policy: Policy): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return [
    plural(policy.accounts.length, "account"),
    plural(policy.permissionSets.length, "permission set"),
    plural(policy.rules.length, "rule"),
  ].join(", ");
}
