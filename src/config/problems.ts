import type { z } from "zod";

/** Configuration that cannot be used; each problem is one line naming the exact key. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is invalid:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
  }
}

/** `rules[0].approvers[2]` from zod's path array. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === "number") return `${text}[${key}]`;
    return text === "" ? String(key) : `${text}.${String(key)}`;
  }, "");
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key (check the spelling)`);
    }
    const where = formatPath(issue.path);
    return [where === "" ? issue.message : `${where}: ${issue.message}`];
  });
}
